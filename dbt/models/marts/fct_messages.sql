{{ incremental_by_scope('int_conversations_touched', ['mailbox_address', 'conversation_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

counted as (
    select
        messages_classified.mailbox_address,
        messages_classified.conversation_id,
        messages_classified.internet_message_id,
        messages_classified.direction,
        messages_classified.from_address,
        messages_classified.sender_address,
        messages_classified.responder,
        messages_classified.received_at,
        messages_classified.sent_at,
        messages_classified.message_at,
        {{ local_date('messages_classified.message_at', 'mailboxes.timezone') }} as message_date,
        {{ local_date('messages_classified.received_at', 'mailboxes.timezone') }} as received_date,
        cast(hour({{ utc_to_local('messages_classified.received_at', 'mailboxes.timezone') }}) as integer)
            as received_hour,
        {{ local_date('messages_classified.sent_at', 'mailboxes.timezone') }} as sent_date,
        messages_classified.subject,
        messages_classified.folder_name,
        messages_classified.copy_count
    from messages_classified
    left join mailboxes
        on messages_classified.mailbox_address = mailboxes.mailbox_address
    where messages_classified.is_counted
)

select * from counted
