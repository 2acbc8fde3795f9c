{#-
    The resolutions and reopens of each thread, in order (metrics.md, "Resolution, reopen,
    reassignment"). Candidates:
    - resolved: a copy of a counted message arrives in a resolved folder (mailboxes that name
      resolved folders), or an outbound message is followed by resolution_idle_hours without
      any message (mailboxes that name none; the last stretch is measured up to as_of);
    - reopened: a counted inbound message, or a copy moving out of a resolved folder into one
      that is neither resolved, deleted nor excluded.
    Every candidate sets the thread's state, so a candidate changes it (and is kept) exactly
    when the previous candidate was of the other kind: a resolution of a resolved thread, or
    an inbound message on an open one, is no event.
-#}
{{ incremental_by_scope('int_conversations_idling_or_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

folder_moves as (
    select * from {{ ref('int_folder_moves') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

config_folders as (
    select * from {{ ref('stg_config__folders') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

threads as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        min(message_at) as first_message_at
    from messages_classified
    where is_counted
    group by 1, 2, 3
),

mailbox_rules as (
    select
        mailboxes.mailbox_address,
        mailboxes.resolution_idle_hours,
        count(config_folders.folder_name) > 0 as has_resolved_folders
    from mailboxes
    left join config_folders
        on
            mailboxes.mailbox_address = config_folders.mailbox_address
            and config_folders.role = 'resolved'
    group by 1, 2
),

folder_candidates as (
    select
        folder_moves.mailbox_address,
        folder_moves.conversation_id,
        folder_moves.thread_id,
        folder_moves.moved_at as event_at,
        case
            when folder_moves.to_folder_role = 'resolved' then 'resolved'
            else 'reopened'
        end as event_type,
        case
            when folder_moves.to_folder_role = 'resolved' then 'moved_to_resolved_folder'
            else 'moved_out_of_resolved_folder'
        end as reason
    from folder_moves
    inner join mailbox_rules
        on folder_moves.mailbox_address = mailbox_rules.mailbox_address
    where
        mailbox_rules.has_resolved_folders
        and folder_moves.is_counted
        and (
            (
                folder_moves.to_folder_role = 'resolved'
                and folder_moves.from_folder_role is distinct from 'resolved'
            )
            or (
                folder_moves.from_folder_role = 'resolved'
                and not folder_moves.is_removed
                and coalesce(folder_moves.to_folder_role, 'none') not in ('resolved', 'deleted', 'excluded')
            )
        )
),

counted_messages as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        direction,
        message_at,
        lead(message_at) over (
            partition by thread_id
            order by message_at, internet_message_id nulls last
        ) as next_message_at
    from messages_classified
    where is_counted
),

idle_candidates as (
    select
        counted_messages.mailbox_address,
        counted_messages.conversation_id,
        counted_messages.thread_id,
        counted_messages.message_at as event_at,
        'resolved' as event_type,
        'idle_after_outbound' as reason
    from counted_messages
    inner join mailbox_rules
        on counted_messages.mailbox_address = mailbox_rules.mailbox_address
    cross join build_info
    where
        not mailbox_rules.has_resolved_folders
        and counted_messages.direction = 'outbound'
        and {{ minutes_between('counted_messages.message_at',
                               'coalesce(counted_messages.next_message_at, build_info.as_of)') }}
        >= mailbox_rules.resolution_idle_hours * 60
),

inbound_candidates as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        message_at as event_at,
        'reopened' as event_type,
        'inbound_message' as reason
    from counted_messages
    where direction = 'inbound'
),

candidates as (
    select * from folder_candidates
    union all
    select * from idle_candidates
    union all
    select * from inbound_candidates
),

-- a resolution cannot precede the thread's first counted message
candidates_in_threads as (
    select
        candidates.mailbox_address,
        candidates.conversation_id,
        candidates.thread_id,
        greatest(candidates.event_at, threads.first_message_at) as event_at,
        candidates.event_type,
        candidates.reason
    from candidates
    inner join threads
        on candidates.thread_id = threads.thread_id
),

-- at equal instants a reopen sorts before a resolution (`reopened` < `resolved`)
candidates_sequenced as (
    select
        *,
        lag(event_type) over (
            partition by thread_id
            order by event_at, event_type, reason nulls last
        ) as previous_event_type
    from candidates_in_threads
),

resolution_events as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        event_at,
        event_type,
        reason,
        row_number() over (
            partition by thread_id
            order by event_at, event_type, reason nulls last
        ) as event_number
    from candidates_sequenced
    where
        (event_type = 'resolved' and previous_event_type is distinct from 'resolved')
        or (event_type = 'reopened' and previous_event_type = 'resolved')
)

select * from resolution_events
