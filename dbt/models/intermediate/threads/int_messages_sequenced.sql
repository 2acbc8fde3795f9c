{#-
    One row per counted message, in thread order, with the customer turn it belongs to:
    a turn starts at an inbound message that opens the thread or follows an outbound one;
    the outbound messages after it (until the customer writes again) answer it.
    Outbound messages before the first inbound one (a team-initiated opening) have turn 0.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

counted_messages as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        internet_message_id,
        direction,
        from_address,
        sender_address,
        responder,
        received_at,
        sent_at,
        message_at,
        subject,
        folder_name
    from messages_classified
    where is_counted
),

-- The order within the thread, and with it the previous message's direction: one sort.
ordered as (
    select
        *,
        -- bigint as in DuckDB; Spark's row_number() is an int
        cast(row_number() over thread_order as bigint) as thread_sequence,
        direction = 'inbound'
        and coalesce(lag(direction) over thread_order, 'outbound') = 'outbound' as is_turn_start
    from counted_messages
    window thread_order as (
        partition by thread_id
        order by message_at, direction, internet_message_id nulls last
    )
),

-- Within a turn the inbound messages come first, then the answers: an outbound message's
-- answer number is its distance from the last inbound message before it (none: turn 0).
turns_numbered as (
    select
        *,
        cast(sum(case when is_turn_start then 1 else 0 end) over thread_so_far as integer) as turn_number,
        case
            when direction = 'outbound'
                then
                    thread_sequence
                    - max(case when direction = 'inbound' then thread_sequence end) over thread_so_far
        end as answer_number
    from ordered
    window thread_so_far as (
        partition by thread_id
        order by thread_sequence
        rows between unbounded preceding and current row
    )
)

select * from turns_numbered
