{#-
    The conversations (mailbox_address, conversation_id) whose rows this build may change:
    every conversation a copy of a touched message belongs to, and the one each touched
    message spoke for at the previous build (a message can change conversation when a copy
    that speaks for it arrives). The per-conversation models recompute exactly these.
    The previous build's int_messages_classified is read as it stands before this build
    replaces it (it depends on this model).
-#}
{%- set previous_classified = previous_build('int_messages_classified') -%}

with

copies_touched as (
    select * from {{ ref('int_copies_touched') }}
),

copies as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        thread_key,
        thread_id
    from {{ ref('int_message_copies') }}
),

messages_touched as (
    select distinct
        copies.mailbox_address,
        copies.message_key
    from copies
    inner join copies_touched
        on
            copies.mailbox_address = copies_touched.mailbox_address
            and copies.store_address = copies_touched.store_address
            and copies.message_id = copies_touched.message_id
),

current_conversations as (
    select
        copies.mailbox_address,
        copies.thread_key as conversation_id,
        copies.thread_id
    from copies
    inner join messages_touched
        on
            copies.mailbox_address = messages_touched.mailbox_address
            and copies.message_key = messages_touched.message_key
),

conversations as (
    select
        mailbox_address,
        conversation_id,
        thread_id
    from current_conversations
    {% if previous_classified is not none %}
    union
    select
        previous.mailbox_address,
        previous.conversation_id,
        previous.thread_id
    from {{ previous_classified }} as previous
    inner join messages_touched
        on
            previous.mailbox_address = messages_touched.mailbox_address
            and previous.internet_message_id = messages_touched.message_key
    union
    select
        previous.mailbox_address,
        previous.conversation_id,
        previous.thread_id
    from {{ previous_classified }} as previous
    inner join copies_touched
        on
            previous.mailbox_address = copies_touched.mailbox_address
            and previous.store_address = copies_touched.store_address
            and previous.message_id = copies_touched.message_id
    {% endif %}
)

select * from conversations
