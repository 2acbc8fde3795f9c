{#-
    One row per counted message, in thread order, with the customer turn it belongs to:
    a turn starts at an inbound message that opens the thread or follows an outbound one;
    the outbound messages after it (until the customer writes again) answer it.
    Outbound messages before the first inbound one (a team-initiated opening) have turn 0.
-#}
with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
),

counted_messages as (
    select
        mailbox_address,
        conversation_id,
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

ordered as (
    select
        *,
        -- bigint as in DuckDB; Spark's row_number() is an int
        cast(row_number() over (
            partition by mailbox_address, conversation_id
            order by message_at, direction, internet_message_id nulls last
        ) as bigint) as thread_sequence
    from counted_messages
),

turn_starts_flagged as (
    select
        *,
        direction = 'inbound'
        and coalesce(
            lag(direction) over (partition by mailbox_address, conversation_id order by thread_sequence),
            'outbound'
        ) = 'outbound' as is_turn_start
    from ordered
),

turns_numbered as (
    select
        *,
        cast(sum(case when is_turn_start then 1 else 0 end) over (
            partition by mailbox_address, conversation_id
            order by thread_sequence
            rows between unbounded preceding and current row
        ) as integer) as turn_number
    from turn_starts_flagged
),

answers_ranked as (
    select
        *,
        case
            when direction = 'outbound' and turn_number > 0
                then row_number() over (
                    partition by mailbox_address, conversation_id, turn_number, direction
                    order by thread_sequence
                )
        end as answer_number
    from turns_numbered
)

select * from answers_ranked
