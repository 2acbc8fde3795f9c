{#-
    Per thread, the assignee (the latest agent observed) and how often the thread passed
    from one agent to a different one.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

assignment_events as (
    select * from {{ ref('int_assignment_events') }}
    where {{ in_scope() }}
),

threads as (
    select
        mailbox_address,
        conversation_id,
        thread_id
    from messages_classified
    where is_counted
    group by 1, 2, 3
),

events_sequenced as (
    select
        thread_id,
        assigned_at,
        agent_address,
        lag(agent_address) over thread_history as previous_agent_address,
        row_number() over thread_history as event_number
    from assignment_events
    window thread_history as (
        partition by thread_id
        order by assigned_at, agent_address nulls last
    )
),

assignments_summarized as (
    select
        thread_id,
        {{ max_by_non_null('agent_address', 'event_number') }} as assignee,
        min(assigned_at) as first_assigned_at,
        count(case when agent_address != previous_agent_address then 1 end) as reassignment_count
    from events_sequenced
    group by 1
),

threads_assigned as (
    select
        threads.mailbox_address,
        threads.conversation_id,
        threads.thread_id,
        assignments_summarized.assignee,
        assignments_summarized.first_assigned_at,
        coalesce(assignments_summarized.reassignment_count, 0) as reassignment_count
    from threads
    left join assignments_summarized
        on threads.thread_id = assignments_summarized.thread_id
)

select * from threads_assigned
