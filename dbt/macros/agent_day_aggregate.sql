{#-
    The body of agg_agent_daily: one row per mailbox, responder and local day with
    activity: outbound messages sent, customer threads first responded, and the turns
    answered that day with their reply times. Each column is a metric of the semantic layer (dbt/models/marts/fct_*.yml),
    computed from its definition (dbt/macros/semantic_metrics.sql) by mailbox, the fact's
    `agent` entity and its local day, as `mailkpi query --group-by mailbox,agent,
    metric_time__day` does. Send As replies (no known agent) are the "shared mailbox"
    responder: responder is null there.
-#}
{% macro agent_day_aggregate() -%}
{%- set columns = [
    ('replies', 'outbound_messages'),
    ('threads_first_responded', 'threads_first_responded'),
    ('answered_turns', 'answers'),
    ('avg_reply_minutes', 'answer_reply_minutes_avg'),
    ('median_reply_minutes', 'answer_reply_minutes_median'),
    ('avg_reply_business_minutes', 'answer_reply_business_minutes_avg'),
] -%}
{%- set plan = metric_period_plan(columns) -%}
with

{{ metric_group_ctes(plan, 'day', by_agent=true) }}
build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

agent_days as (
{%- for group in plan.groups %}
    select
        mailbox_address,
        responder,
        period_start
    from {{ group.name }}
{%- if not loop.last %}
    union{% endif %}
{%- endfor %}
),

aggregated as (
    select
        agent_days.mailbox_address,
        agent_days.responder,
        agent_days.period_start
{%- for column, metric in columns %},
        {{ plan.columns[column] }} as {{ column }}
{%- endfor %},
        build_info.as_of
    from agent_days
    cross join build_info
{%- for group in plan.groups %}
    left join {{ group.name }}
        on
            agent_days.mailbox_address = {{ group.name }}.mailbox_address
            and agent_days.responder is not distinct from {{ group.name }}.responder
            and agent_days.period_start = {{ group.name }}.period_start
{%- endfor %}
)

select * from aggregated
-- a day of the facts' rows with nothing by this responder (inbound mail: responder null)
where replies > 0 or threads_first_responded > 0 or answered_turns > 0
{%- endmacro %}
