{#-
    Every mailbox and agent a mart names is one the team config names (dim_mailboxes,
    dim_agents); a null agent (Send As, no assignee) names none. One test over every mart:
    a `relationships` test per column was a dbt node, with its fixed cost, each night.
    Returns the offending rows, with the mart and column that hold them.
-#}
{%- set mailbox_columns = [
    ('agg_agent_daily', 'mailbox_address'),
    ('agg_agent_reassignments_daily', 'mailbox_address'),
    ('agg_arrivals_hourly', 'mailbox_address'),
    ('agg_mailbox_daily', 'mailbox_address'),
    ('agg_mailbox_monthly', 'mailbox_address'),
    ('agg_mailbox_weekly', 'mailbox_address'),
    ('agg_thread_states_daily', 'mailbox_address'),
    ('dim_agents', 'mailbox_address'),
    ('fct_message_audit', 'mailbox_address'),
    ('fct_messages', 'mailbox_address'),
    ('fct_replies', 'mailbox_address'),
    ('fct_thread_events', 'mailbox_address'),
    ('fct_threads', 'mailbox_address'),
] -%}
{%- set agent_columns = [
    ('agg_agent_daily', 'responder'),
    ('agg_agent_reassignments_daily', 'agent_address'),
    ('fct_message_audit', 'responder'),
    ('fct_messages', 'responder'),
    ('fct_replies', 'replied_by'),
    ('fct_threads', 'first_responder'),
    ('fct_threads', 'last_responder'),
    ('fct_threads', 'assignee'),
] -%}

with

mailboxes as (
    select mailbox_address from {{ ref('dim_mailboxes') }}
),

-- the shared mailbox's row names no agent: `not in` a list with a null is never true
agents as (
    select agent_address from {{ ref('dim_agents') }}
    where agent_address is not null
),

unknown_mailboxes as (
    {% for mart, column in mailbox_columns %}
    select
        '{{ mart }}' as mart,
        '{{ column }}' as column_name,
        {{ column }} as named
    from {{ ref(mart) }}
    where {{ column }} not in (select mailboxes.mailbox_address from mailboxes)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

unknown_agents as (
    {% for mart, column in agent_columns %}
    select
        '{{ mart }}' as mart,
        '{{ column }}' as column_name,
        {{ column }} as named
    from {{ ref(mart) }}
    where {{ column }} not in (select agents.agent_address from agents)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unknown_mailboxes
union all
select * from unknown_agents
