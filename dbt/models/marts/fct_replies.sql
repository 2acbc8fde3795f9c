{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

turns_answered as (
    select * from {{ ref('int_turns_answered') }}
    where {{ in_scope() }}
),

threads_summarized as (
    select * from {{ ref('int_threads_summarized') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

replies as (
    select
        turns_answered.mailbox_address,
        turns_answered.conversation_id,
        turns_answered.thread_id,
        turns_answered.turn_number,
        turns_answered.turn_started_at,
        {{ local_date('turns_answered.turn_started_at', 'mailboxes.timezone') }} as turn_started_date,
        cast(hour({{ utc_to_local('turns_answered.turn_started_at', 'mailboxes.timezone') }}) as integer)
            as turn_started_hour,
        cast({{ iso_day_of_week(utc_to_local('turns_answered.turn_started_at', 'mailboxes.timezone')) }} as integer)
            as turn_started_iso_dow,
        turns_answered.replied_at,
        {{ local_date('turns_answered.replied_at', 'mailboxes.timezone') }} as replied_date,
        turns_answered.reply_minutes,
        turns_answered.reply_business_minutes,
        turns_answered.replied_by,
        turns_answered.inbound_message_count,
        turns_answered.answer_count,
        turns_answered.is_collision,
        threads_summarized.initiated_by,
        -- the answer to a customer's opening message is the thread's first response
        coalesce(threads_summarized.initiated_by = 'customer' and turns_answered.turn_number = 1, false)
            as is_first_response
    from turns_answered
    inner join mailboxes
        on turns_answered.mailbox_address = mailboxes.mailbox_address
    inner join threads_summarized
        on turns_answered.thread_id = threads_summarized.thread_id
)

select * from replies
