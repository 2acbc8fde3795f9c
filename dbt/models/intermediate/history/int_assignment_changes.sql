{#-
    The assignment events that change a thread's agent: its first assignment, and every later
    event naming an agent other than the previous one, in the order int_threads_assigned uses
    (assigned_at, agent_address). Alice -> Alice -> Bob gives two rows: Alice, then Bob from Alice.
-#}
with

assignment_events as (
    select * from {{ ref('int_assignment_events') }}
),

events_sequenced as (
    select
        mailbox_address,
        conversation_id,
        internet_message_id,
        assigned_at,
        agent_address,
        assignment_signal,
        lag(agent_address) over (
            partition by mailbox_address, conversation_id
            order by assigned_at, agent_address nulls last
        ) as previous_agent_address
    from assignment_events
),

assignment_changes as (
    select
        mailbox_address,
        conversation_id,
        internet_message_id,
        assigned_at,
        agent_address,
        previous_agent_address,
        assignment_signal
    from events_sequenced
    where previous_agent_address is null or agent_address != previous_agent_address
)

select * from assignment_changes
