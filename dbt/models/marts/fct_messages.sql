with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
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
        messages_classified.subject,
        messages_classified.folder_name,
        messages_classified.copy_count,
        build_info.as_of
    from messages_classified
    cross join build_info
    where messages_classified.is_counted
)

select * from counted
