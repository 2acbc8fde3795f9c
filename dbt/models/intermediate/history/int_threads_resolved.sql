{#- Per thread: first and last resolution, reopens, and whether it is resolved as of as_of. -#}
{{ incremental_by_scope('int_conversations_open_or_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

resolution_events as (
    select * from {{ ref('int_thread_resolution_events') }}
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

events_summarized as (
    select
        thread_id,
        min(case when event_type = 'resolved' then event_at end) as resolved_at,
        max(case when event_type = 'resolved' then event_at end) as last_resolved_at,
        count(case when event_type = 'reopened' then 1 end) as reopen_count,
        {{ max_by_non_null('event_type', 'event_number') }} = 'resolved' as is_resolved
    from resolution_events
    group by 1
),

threads_resolved as (
    select
        threads.mailbox_address,
        threads.conversation_id,
        threads.thread_id,
        events_summarized.resolved_at,
        events_summarized.last_resolved_at,
        coalesce(events_summarized.reopen_count, 0) as reopen_count,
        coalesce(events_summarized.is_resolved, false) as is_resolved
    from threads
    left join events_summarized
        on threads.thread_id = events_summarized.thread_id
)

select * from threads_resolved
