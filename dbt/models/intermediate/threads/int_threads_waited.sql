{#-
    One row per thread with turns: how long the customer waited on the team (each turn's start
    to its first answer, or to the thread's end while unanswered) and how long the team waited
    on the customer (each first answer to the customer's next message, or to the thread's end).
    A thread's end is its resolution while it stays resolved, else the build's as_of.
-#}
{{ incremental_by_scope('int_conversations_open_or_touched', ['thread_id']) }}

with

turns_answered as (
    select * from {{ ref('int_turns_answered') }}
    where {{ in_scope() }}
),

threads_resolved as (
    select * from {{ ref('int_threads_resolved') }}
    where {{ in_scope() }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

turns_bounded as (
    select
        turns_answered.mailbox_address,
        turns_answered.conversation_id,
        turns_answered.thread_id,
        turns_answered.turn_started_at,
        turns_answered.replied_at,
        turns_answered.next_turn_started_at,
        case when threads_resolved.is_resolved then threads_resolved.last_resolved_at else build_info.as_of end
            as thread_end_at
    from turns_answered
    cross join build_info
    left join threads_resolved
        on turns_answered.thread_id = threads_resolved.thread_id
),

intervals as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        turn_started_at as awaiting_from,
        coalesce(replied_at, greatest(turn_started_at, thread_end_at)) as awaiting_to,
        replied_at as waiting_from,
        case when replied_at is not null then coalesce(next_turn_started_at, greatest(replied_at, thread_end_at)) end
            as waiting_to
    from turns_bounded
),

timed as (
    select
        intervals.mailbox_address,
        intervals.conversation_id,
        intervals.thread_id,
        {{ minutes_between('intervals.awaiting_from', 'intervals.awaiting_to') }} as awaiting_team_minutes,
        {{ business_minutes_between('awaiting_from_clock', 'intervals.awaiting_from',
                                    'awaiting_to_clock', 'intervals.awaiting_to') }}
            as awaiting_team_business_minutes,
        {{ minutes_between('intervals.waiting_from', 'intervals.waiting_to') }} as waiting_on_customer_minutes,
        {{ business_minutes_between('waiting_from_clock', 'intervals.waiting_from',
                                    'waiting_to_clock', 'intervals.waiting_to') }}
            as waiting_on_customer_business_minutes
    from intervals
    {{ business_clock_join('awaiting_from_clock', 'intervals.mailbox_address', 'intervals.awaiting_from') }}
    {{ business_clock_join('awaiting_to_clock', 'intervals.mailbox_address', 'intervals.awaiting_to') }}
    {{ business_clock_join('waiting_from_clock', 'intervals.mailbox_address', 'intervals.waiting_from') }}
    {{ business_clock_join('waiting_to_clock', 'intervals.mailbox_address', 'intervals.waiting_to') }}
),

summed as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        sum(awaiting_team_minutes) as awaiting_team_minutes,
        sum(awaiting_team_business_minutes) as awaiting_team_business_minutes,
        coalesce(sum(waiting_on_customer_minutes), 0) as waiting_on_customer_minutes,
        coalesce(sum(waiting_on_customer_business_minutes), 0) as waiting_on_customer_business_minutes
    from timed
    group by 1, 2, 3
)

select * from summed
