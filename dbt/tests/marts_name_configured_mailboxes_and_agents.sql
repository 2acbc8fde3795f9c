{#-
    Every mailbox and agent a mart names is one the team config names (dim_mailboxes,
    dim_agents); a null agent (Send As, no assignee) names none. One test over every mart:
    a `relationships` test per column was a dbt node, with its fixed cost, each night.
    Returns the offending rows, with the mart and column that hold them.
-#}
{%- set named_columns = [
    ('agg_agent_daily', 'mailbox_address', 'mailboxes'),
    ('agg_agent_reassignments_daily', 'mailbox_address', 'mailboxes'),
    ('agg_arrivals_hourly', 'mailbox_address', 'mailboxes'),
    ('agg_mailbox_daily', 'mailbox_address', 'mailboxes'),
    ('agg_mailbox_monthly', 'mailbox_address', 'mailboxes'),
    ('agg_mailbox_weekly', 'mailbox_address', 'mailboxes'),
    ('agg_thread_states_daily', 'mailbox_address', 'mailboxes'),
    ('dim_agents', 'mailbox_address', 'mailboxes'),
    ('fct_message_audit', 'mailbox_address', 'mailboxes'),
    ('fct_messages', 'mailbox_address', 'mailboxes'),
    ('fct_replies', 'mailbox_address', 'mailboxes'),
    ('fct_thread_events', 'mailbox_address', 'mailboxes'),
    ('fct_threads', 'mailbox_address', 'mailboxes'),
    ('agg_agent_daily', 'responder', 'agents'),
    ('agg_agent_reassignments_daily', 'agent_address', 'agents'),
    ('fct_message_audit', 'responder', 'agents'),
    ('fct_messages', 'responder', 'agents'),
    ('fct_replies', 'replied_by', 'agents'),
    ('fct_threads', 'first_responder', 'agents'),
    ('fct_threads', 'last_responder', 'agents'),
    ('fct_threads', 'assignee', 'agents'),
] -%}

with

mailboxes as (
    select mailbox_address as named from {{ ref('dim_mailboxes') }}
),

-- the shared mailbox's row names no agent: `not in` a list with a null is never true
agents as (
    select agent_address as named from {{ ref('dim_agents') }}
    where agent_address is not null
),

unknown as (
    {% for mart, column, known in named_columns %}
    select
        '{{ mart }}' as mart,
        '{{ column }}' as column_name,
        {{ column }} as named
    from {{ ref(mart) }}
    -- `not in` an empty list is true even for a null: a team without agents names none
    where {{ column }} is not null and {{ column }} not in (select {{ known }}.named from {{ known }})
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unknown
