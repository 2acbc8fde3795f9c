{#-
    Per mailbox and local day: threads opened, resolved and reopened that day, and the
    threads still open at the end of it (the backlog).
-#}
with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
),

resolution_events as (
    select * from {{ ref('int_thread_resolution_events') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

threads as (
    select
        mailbox_address,
        conversation_id,
        min(message_at) as opened_at
    from messages_classified
    where is_counted
    group by 1, 2
),

thread_changes as (
    select
        mailbox_address,
        opened_at as changed_at,
        1 as opened,
        0 as resolved,
        0 as reopened
    from threads
    union all
    select
        mailbox_address,
        event_at as changed_at,
        0 as opened,
        case when event_type = 'resolved' then 1 else 0 end as resolved,
        case when event_type = 'reopened' then 1 else 0 end as reopened
    from resolution_events
),

daily_changes as (
    select
        thread_changes.mailbox_address,
        {{ local_date('thread_changes.changed_at', 'mailboxes.timezone') }} as period_start,
        sum(thread_changes.opened) as opened_threads,
        sum(thread_changes.resolved) as resolved_threads,
        sum(thread_changes.reopened) as reopened_threads
    from thread_changes
    inner join mailboxes
        on thread_changes.mailbox_address = mailboxes.mailbox_address
    group by 1, 2
),

mailbox_ranges as (
    select
        daily_changes.mailbox_address,
        min(daily_changes.period_start) as first_date,
        {{ local_date('build_info.as_of', 'mailboxes.timezone') }} as last_date
    from daily_changes
    inner join mailboxes
        on daily_changes.mailbox_address = mailboxes.mailbox_address
    cross join build_info
    group by 1, 3
),

mailbox_days as (
    select
        mailbox_address,
        {{ day_series('first_date', 'last_date') }} as period_start
    from mailbox_ranges
),

backlog_daily as (
    select
        mailbox_days.mailbox_address,
        mailbox_days.period_start,
        cast(coalesce(daily_changes.opened_threads, 0) as bigint) as opened_threads,
        cast(coalesce(daily_changes.resolved_threads, 0) as bigint) as resolved_threads,
        cast(coalesce(daily_changes.reopened_threads, 0) as bigint) as reopened_threads,
        cast(
            sum(
                coalesce(daily_changes.opened_threads, 0)
                - coalesce(daily_changes.resolved_threads, 0)
                + coalesce(daily_changes.reopened_threads, 0)
            ) over (
                partition by mailbox_days.mailbox_address
                order by mailbox_days.period_start
                rows between unbounded preceding and current row
            ) as bigint
        ) as open_threads
    from mailbox_days
    left join daily_changes
        on
            mailbox_days.mailbox_address = daily_changes.mailbox_address
            and mailbox_days.period_start = daily_changes.period_start
)

select * from backlog_daily
