{#-
    Category history of every copy of the team's messages: a row each time an Outlook category
    appears on a copy (its first sighting included) or disappears from it, between successive
    loads. Timed like folder moves: the copy's lastModifiedDateTime in the first observation
    that shows the change, else the load that saw it.
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

-- Only a copy that ever carried a category can change one, so the window sorts the history
-- of those copies alone (one state in eight carries a category at 1M messages).
categorized_copies as (
    select distinct
        mailbox_address,
        store_address,
        message_id
    from message_states
    where {{ list_size('categories') }} > 0
),

states_with_previous as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        categories,
        lag(categories) over copy_history as previous_categories,
        coalesce(
            case
                when
                    lag(last_modified_at) over copy_history is null
                    or last_modified_at > lag(last_modified_at) over copy_history
                    then last_modified_at
            end,
            observed_at
        ) as changed_at
    from message_states
    where
        exists (
            select 1
            from categorized_copies
            where
                categorized_copies.mailbox_address = message_states.mailbox_address
                and categorized_copies.store_address = message_states.store_address
                and categorized_copies.message_id = message_states.message_id
        )
    window copy_history as (
        partition by mailbox_address, store_address, message_id
        order by observed_at
    )
),

categories_now as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        changed_at,
        previous_categories,
        {{ unnest_list('categories') }} as category
    from states_with_previous
),

categories_before as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        changed_at,
        categories,
        {{ unnest_list('previous_categories') }} as category
    from states_with_previous
),

changes as (
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        changed_at,
        category,
        'added' as change_type
    from categories_now
    where not coalesce({{ list_has('previous_categories', 'category') }}, false)
    union all
    select
        mailbox_address,
        store_address,
        message_id,
        message_key,
        observed_at,
        changed_at,
        category,
        'removed' as change_type
    from categories_before
    where not coalesce({{ list_has('categories', 'category') }}, false)
),

changes_in_threads as (
    select
        changes.mailbox_address,
        messages_classified.conversation_id,
        messages_classified.thread_id,
        changes.message_key as internet_message_id,
        changes.store_address,
        changes.message_id,
        messages_classified.is_counted,
        changes.observed_at,
        changes.changed_at,
        changes.category,
        changes.change_type
    from changes
    inner join messages_classified
        on
            changes.mailbox_address = messages_classified.mailbox_address
            and changes.message_key = messages_classified.internet_message_id
)

select distinct * from changes_in_threads
