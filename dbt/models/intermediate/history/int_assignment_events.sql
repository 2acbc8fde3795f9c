{#-
    Every observation of an agent taking a thread, by the mailbox's assignment signal:
    `categories` (a category naming an agent appears on a copy of a counted message),
    `folders` (a copy arrives in a folder that belongs to an agent) or `responders` (an agent
    sends a counted outbound message).
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

category_changes as (
    select * from {{ ref('int_category_changes') }}
    where {{ in_scope() }}
),

folder_moves as (
    select * from {{ ref('int_folder_moves') }}
    where {{ in_scope() }}
),

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

agents as (
    select * from {{ ref('stg_config__agents') }}
),

category_assignments as (
    select
        category_changes.mailbox_address,
        category_changes.conversation_id,
        category_changes.thread_id,
        category_changes.internet_message_id,
        category_changes.changed_at as assigned_at,
        agents.agent_address,
        'category' as assignment_signal
    from category_changes
    inner join agents
        on
            category_changes.mailbox_address = agents.mailbox_address
            and lower(category_changes.category) = lower(agents.category)
    where
        category_changes.change_type = 'added'
        and category_changes.is_counted
),

folder_assignments as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        internet_message_id,
        moved_at as assigned_at,
        to_folder_agent_address as agent_address,
        'folder' as assignment_signal
    from folder_moves
    where
        to_folder_role = 'agent'
        and to_folder_agent_address is not null
        and is_counted
),

responder_assignments as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        internet_message_id,
        message_at as assigned_at,
        responder as agent_address,
        'responder' as assignment_signal
    from messages_classified
    where
        direction = 'outbound'
        and responder is not null
        and is_counted
),

signals as (
    select * from category_assignments
    union all
    select * from folder_assignments
    union all
    select * from responder_assignments
),

-- only the signal the mailbox is configured to use assigns
assignment_events as (
    select signals.*
    from signals
    inner join mailboxes
        on
            signals.mailbox_address = mailboxes.mailbox_address
            and signals.assignment_signal = case mailboxes.assignment
                when 'categories' then 'category'
                when 'folders' then 'folder'
                when 'responders' then 'responder'
            end
)

select * from assignment_events
