{#-
    Every message of every team conversation, counted or not, and why. Mail of conversations
    that are not the team's (agents' personal mail) never reaches the marts.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

messages_sequenced as (
    select * from {{ ref('int_messages_sequenced') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

audited as (
    select
        messages_classified.mailbox_address,
        messages_classified.conversation_id,
        messages_classified.thread_id,
        messages_classified.internet_message_id,
        messages_classified.direction,
        messages_classified.from_address,
        messages_classified.sender_address,
        messages_classified.responder,
        messages_classified.received_at,
        messages_classified.sent_at,
        messages_classified.message_at,
        {{ local_date('messages_classified.message_at', 'mailboxes.timezone') }} as message_date,
        messages_classified.subject,
        messages_classified.folder_name,
        messages_classified.store_address,
        messages_classified.copy_count,
        messages_classified.has_headers,
        messages_classified.is_counted,
        messages_classified.excluded_reason,
        messages_sequenced.thread_sequence,
        messages_sequenced.turn_number
    from messages_classified
    left join messages_sequenced
        on
            messages_classified.mailbox_address = messages_sequenced.mailbox_address
            and messages_classified.internet_message_id = messages_sequenced.internet_message_id
    left join mailboxes
        on messages_classified.mailbox_address = mailboxes.mailbox_address
    where messages_classified.excluded_reason is distinct from 'not_team_conversation'
)

select * from audited
