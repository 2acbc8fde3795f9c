{#-
    The assignment events that change a thread's agent: its first assignment, and every later
    event naming an agent other than the previous one, in the order int_threads_assigned uses
    (assigned_at, agent_address), then by message, so that of two messages given the same agent
    at the same instant the same one is reported on every build. Alice -> Alice -> Bob gives
    two rows: Alice, then Bob from Alice.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

assignment_events as (
    select * from {{ ref('int_assignment_events') }}
    where {{ in_scope() }}
),

events_sequenced as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        internet_message_id,
        assigned_at,
        agent_address,
        assignment_signal,
        lag(agent_address) over (
            partition by thread_id
            order by assigned_at, agent_address nulls last, internet_message_id
        ) as previous_agent_address
    from assignment_events
),

assignment_changes as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        internet_message_id,
        assigned_at,
        agent_address,
        previous_agent_address,
        assignment_signal
    from events_sequenced
    where previous_agent_address is null or agent_address != previous_agent_address
)

select * from assignment_changes
