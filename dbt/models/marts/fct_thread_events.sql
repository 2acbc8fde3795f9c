{#-
    A thread's timeline: one row per counted message, folder move, category change, change of
    agent, resolution and reopen. Moves and category changes made to several messages of the
    thread at once (one copy store, one instant) are one event.
-#}
{{ incremental_by_scope('int_conversations_idling_or_touched', ['thread_id']) }}

with

messages as (
    select * from {{ ref('fct_messages') }}
    where {{ in_scope() }}
),

folder_moves as (
    select * from {{ ref('int_folder_moves') }}
    where {{ in_scope() }}
),

category_changes as (
    select * from {{ ref('int_category_changes') }}
    where {{ in_scope() }}
),

assignment_changes as (
    select * from {{ ref('int_assignment_changes') }}
    where {{ in_scope() }}
),

resolution_events as (
    select * from {{ ref('int_thread_resolution_events') }}
    where {{ in_scope() }}
),

message_events as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        message_at as event_at,
        case when direction = 'inbound' then 'message_in' else 'message_out' end as event_type,
        'from ' || coalesce(from_address, 'no sender address') as detail,
        responder as agent_address
    from messages
),

-- the first sighting of a copy is where it arrived, not a move
moves_grouped as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        moved_at,
        store_address,
        coalesce(from_folder_name, '?') as from_folder_name,
        case when is_removed then '(gone from the read folders)' else coalesce(to_folder_name, '?') end
            as to_folder_name,
        max(to_folder_agent_address) as to_folder_agent_address,
        count(*) as message_count
    from folder_moves
    where is_counted and from_folder_id is not null
    group by 1, 2, 3, 4, 5, 6, 7
),

move_events as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        moved_at as event_at,
        'moved' as event_type,
        from_folder_name || ' → ' || to_folder_name
        || {{ grouped_event_suffix('message_count', 'store_address', 'mailbox_address') }} as detail,
        to_folder_agent_address as agent_address
    from moves_grouped
),

categories_grouped as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        changed_at,
        store_address,
        category,
        change_type,
        count(*) as message_count
    from category_changes
    where is_counted
    group by 1, 2, 3, 4, 5, 6, 7
),

category_events as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        changed_at as event_at,
        'categorized' as event_type,
        change_type || ' ' || category
        || {{ grouped_event_suffix('message_count', 'store_address', 'mailbox_address') }} as detail,
        cast(null as {{ sql_type('text') }}) as agent_address
    from categories_grouped
),

assignment_events as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        assigned_at as event_at,
        case when previous_agent_address is null then 'assigned' else 'reassigned' end as event_type,
        case when previous_agent_address is null then '' else 'from ' || previous_agent_address || ' ' end
        || 'to ' || agent_address || ' (by ' || assignment_signal || ')' as detail,
        agent_address
    from assignment_changes
),

resolution_timeline as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        event_at,
        event_type,
        case reason
            when 'moved_to_resolved_folder' then 'moved to a resolved folder'
            when 'moved_out_of_resolved_folder' then 'moved out of a resolved folder'
            when 'idle_after_outbound' then 'no customer message within the idle time after this reply'
            when 'inbound_message' then 'the customer wrote again'
            else reason
        end as detail,
        cast(null as {{ sql_type('text') }}) as agent_address
    from resolution_events
),

events as (
    select * from message_events
    union all
    select * from move_events
    union all
    select * from category_events
    union all
    select * from assignment_events
    union all
    select * from resolution_timeline
),

-- at one instant: the message first, then what was done to it, then the state it led to
events_numbered as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        cast(row_number() over (
            partition by thread_id
            order by
                event_at,
                case event_type
                    when 'message_in' then 1
                    when 'message_out' then 2
                    when 'categorized' then 3
                    when 'moved' then 4
                    when 'assigned' then 5
                    when 'reassigned' then 6
                    when 'reopened' then 7
                    else 8
                end,
                detail nulls last
        ) as bigint) as event_number,
        event_at,
        event_type,
        detail,
        agent_address
    from events
)

select * from events_numbered
