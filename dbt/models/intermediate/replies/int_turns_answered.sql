{#-
    One row per customer turn (metrics.md, "Customer turns and reply time"): when it started,
    the first outbound message that answered it, and whether several responders answered it
    (Send As counts as one responder, "shared mailbox").
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_sequenced as (
    select * from {{ ref('int_messages_sequenced') }}
    where {{ in_scope() }}
),

turn_messages as (
    select * from messages_sequenced
    where turn_number > 0
),

turns as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        turn_number,
        min(case when direction = 'inbound' then message_at end) as turn_started_at,
        count(case when direction = 'inbound' then 1 end) as inbound_message_count,
        min(case when answer_number = 1 then message_at end) as replied_at,
        max(case when answer_number = 1 then coalesce(responder, '') end) as first_answer_responder,
        count(distinct case when direction = 'outbound' then coalesce(responder, '') end) as responder_count,
        count(case when direction = 'outbound' then 1 end) as answer_count
    from turn_messages
    group by 1, 2, 3, 4
),

turns_with_next as (
    select
        *,
        lead(turn_started_at) over (
            partition by thread_id
            order by turn_number
        ) as next_turn_started_at
    from turns
),

timed as (
    select
        turns_with_next.mailbox_address,
        turns_with_next.conversation_id,
        turns_with_next.thread_id,
        turns_with_next.turn_number,
        turns_with_next.turn_started_at,
        turns_with_next.inbound_message_count,
        turns_with_next.replied_at,
        nullif(turns_with_next.first_answer_responder, '') as replied_by,
        turns_with_next.answer_count,
        case
            when turns_with_next.replied_at is not null then turns_with_next.responder_count >= 2
        end as is_collision,
        turns_with_next.next_turn_started_at,
        {{ minutes_between('turns_with_next.turn_started_at', 'turns_with_next.replied_at') }} as reply_minutes,
        {{ business_minutes_between('start_clock', 'turns_with_next.turn_started_at',
                                    'reply_clock', 'turns_with_next.replied_at') }} as reply_business_minutes
    from turns_with_next
    {{ business_clock_join('start_clock', 'turns_with_next.mailbox_address', 'turns_with_next.turn_started_at') }}
    {{ business_clock_join('reply_clock', 'turns_with_next.mailbox_address', 'turns_with_next.replied_at') }}
)

select * from timed
