{#-
    The body of agg_mailbox_daily / _weekly / _monthly: one row per mailbox and local period
    (`day`, ISO `week` from Monday, calendar `month`), from the first period with mail to the
    one holding as_of. Each column is a metric of the semantic layer (dbt/models/marts/
    fct_*.yml), computed here from its definition: the measure's aggregation and expression,
    over the fact's rows whose local `agg_time_dimension` falls in the period, with the
    metric's filter. So the marts and `mailkpi query` share one formula per KPI.
-#}
{% macro mailbox_period_aggregate(period) -%}
{#- mart column -> metric, in the contract's column order -#}
{%- set columns = [
    ('inbound_messages', 'inbound_messages'),
    ('outbound_messages', 'outbound_messages'),
    ('new_threads', 'new_threads'),
    ('new_customer_threads', 'new_customer_threads'),
    ('turns', 'turns'),
    ('answered_turns', 'answered_turns'),
    ('unanswered_turns', 'unanswered_turns'),
    ('avg_reply_minutes', 'reply_minutes_avg'),
    ('median_reply_minutes', 'reply_minutes_median'),
    ('p90_reply_minutes', 'reply_minutes_p90'),
    ('avg_reply_business_minutes', 'reply_business_minutes_avg'),
    ('median_reply_business_minutes', 'reply_business_minutes_median'),
    ('avg_first_response_minutes', 'first_response_minutes_avg'),
    ('median_first_response_minutes', 'first_response_minutes_median'),
    ('p90_first_response_minutes', 'first_response_minutes_p90'),
    ('avg_first_response_business_minutes', 'first_response_business_minutes_avg'),
    ('median_first_response_business_minutes', 'first_response_business_minutes_median'),
    ('sla_met_threads', 'sla_met_threads'),
    ('sla_breached_threads', 'sla_breached_threads'),
    ('sla_met_rate', 'sla_met_rate'),
    ('resolved_threads', 'resolved_threads'),
    ('reopen_rate', 'reopen_rate'),
    ('reassignment_rate', 'reassignment_rate'),
    ('collided_turns', 'collided_turns'),
    ('collision_rate', 'collision_rate'),
] -%}
{%- set plan = metric_period_plan(columns) -%}
with

{{ metric_group_ctes(plan, period) }}
mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

{#- every period with a row of the facts -#}
active_periods as (
{%- for group in plan.groups %}
    select mailbox_address, period_start from {{ group.name }}
{%- if not loop.last %}
    union{% endif %}
{%- endfor %}
),

period_bounds as (
    select
        active_periods.mailbox_address,
        min(active_periods.period_start) as first_period_start,
        max(
            {{ local_period_start(period, 'build_info.as_of', 'mailboxes.timezone') }}
        ) as last_period_start
    from active_periods
    inner join mailboxes on active_periods.mailbox_address = mailboxes.mailbox_address
    cross join build_info
    group by 1
),

periods as (
    select
        mailbox_address,
        {{ period_starts('first_period_start', 'last_period_start', period) }} as period_start
    from period_bounds
),

aggregated as (
    select
        periods.mailbox_address,
        periods.period_start
{%- for column, metric in columns %},
        {{ plan.columns[column] }} as {{ column }}
{%- endfor %},
        build_info.as_of
    from periods
    cross join build_info
{%- for group in plan.groups %}
    left join {{ group.name }}
        on
            periods.mailbox_address = {{ group.name }}.mailbox_address
            and periods.period_start = {{ group.name }}.period_start
{%- endfor %}
)

select * from aggregated
{%- endmacro %}

{#- First local date of the `day`, ISO `week` (Monday) or calendar `month` holding a UTC instant. -#}
{% macro local_period_start(period, instant, time_zone) -%}
cast(date_trunc('{{ period }}', {{ utc_to_local(instant, time_zone) }}) as date)
{%- endmacro %}
