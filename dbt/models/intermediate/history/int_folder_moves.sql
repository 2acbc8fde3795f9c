{#-
    Folder history of every copy of the team's messages: a row each time a copy shows up in a
    folder it was not in at the previous load (its first sighting included), or leaves the
    read folders (`is_removed`). A move happened at the copy's lastModifiedDateTime in the
    first observation that shows the new folder; when that observation did not carry a newer
    one (partial delta items), at the load that saw it.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

message_states as (
    select * from {{ ref('int_message_states') }}
    {% if is_incremental() %}
    where {{ is_copy_of('messages_classified') }}
    {% endif %}
),

states_with_previous as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        is_removed,
        folder_id,
        folder_name,
        folder_role,
        folder_agent_address,
        last_modified_at,
        lag(is_removed) over copy_history as previous_is_removed,
        lag(folder_id) over copy_history as previous_folder_id,
        lag(folder_name) over copy_history as previous_folder_name,
        lag(folder_role) over copy_history as previous_folder_role,
        lag(last_modified_at) over copy_history as previous_last_modified_at,
        row_number() over copy_history as observation_number
    from message_states
    window copy_history as (
        partition by mailbox_address, store_address, message_id
        order by observed_at
    )
),

moves as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        coalesce(
            case
                when previous_last_modified_at is null or last_modified_at > previous_last_modified_at
                    then last_modified_at
            end,
            observed_at
        ) as moved_at,
        case when observation_number > 1 then previous_folder_id end as from_folder_id,
        case when observation_number > 1 then previous_folder_name end as from_folder_name,
        case when observation_number > 1 then previous_folder_role end as from_folder_role,
        is_removed,
        case when not is_removed then folder_id end as to_folder_id,
        case when not is_removed then folder_name end as to_folder_name,
        case when not is_removed then folder_role end as to_folder_role,
        case when not is_removed then folder_agent_address end as to_folder_agent_address
    from states_with_previous
    where
        (observation_number = 1 and not is_removed)
        or (observation_number > 1 and is_removed != previous_is_removed)
        or (observation_number > 1 and not is_removed and folder_id != previous_folder_id)
),

moves_in_threads as (
    select
        moves.mailbox_address,
        messages_classified.conversation_id,
        messages_classified.thread_id,
        moves.message_key as internet_message_id,
        moves.store_address,
        moves.message_id,
        messages_classified.is_counted,
        moves.observed_at,
        moves.moved_at,
        moves.from_folder_id,
        moves.from_folder_name,
        moves.from_folder_role,
        moves.is_removed,
        moves.to_folder_id,
        moves.to_folder_name,
        moves.to_folder_role,
        moves.to_folder_agent_address
    from moves
    inner join messages_classified
        on
            moves.mailbox_address = messages_classified.mailbox_address
            and moves.message_key = messages_classified.internet_message_id
)

select * from moves_in_threads
