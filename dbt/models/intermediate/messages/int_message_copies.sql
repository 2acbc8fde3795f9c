{#-
    One row per message copy (a message in one read mailbox): where it is now, with the
    properties the classification reads as last observed. The properties a message keeps for
    life are aggregated per copy from the observations instead of carried from load to load:
    a hash aggregate, not a sort of every observation. Its state is what the model's time
    goes to (memory-bound), so it aggregates only the properties a later model reads.
    Incremental: a build recomputes the copies it touched, from all their observations.
-#}
{{ incremental_by_scope('int_copies_touched', ['mailbox_address', 'store_address', 'message_id']) }}

with

observations as (
    select * from {{ ref('stg_msgraph__message_observations') }}
    where {{ in_scope() }}
),

message_states as (
    select * from {{ ref('int_message_states') }}
    where {{ in_scope() }}
),

-- Latest non-null value of each property: partial delta items leave most of them null.
copy_properties as (
    select
        mailbox_address,
        store_address,
        message_id,
        min(observed_at) as first_observed_at,
        {{ max_by_non_null('conversation_id', 'observed_at') }} as conversation_id,
        {{ max_by_non_null('subject', 'observed_at') }} as subject,
        {{ max_by_non_null('from_address', 'observed_at') }} as from_address,
        {{ max_by_non_null('from_name', 'observed_at') }} as from_name,
        {{ max_by_non_null('sender_address', 'observed_at') }} as sender_address,
        {{ max_by_non_null('to_addresses', 'observed_at') }} as to_addresses,
        {{ max_by_non_null('cc_addresses', 'observed_at') }} as cc_addresses,
        {{ max_by_non_null('received_at', 'observed_at') }} as received_at,
        {{ max_by_non_null('sent_at', 'observed_at') }} as sent_at,
        {{ max_by_non_null('is_draft', 'observed_at') }} as is_draft,
        {{ max_by_non_null('header_auto_submitted', 'observed_at') }} as header_auto_submitted,
        {{ max_by_non_null('header_precedence', 'observed_at') }} as header_precedence,
        -- update items and Sent Items copies often come without headers: seen once is enough
        coalesce(bool_or(has_headers), false) as has_headers
    from observations
    group by 1, 2, 3
),

latest_states as (
    select * from message_states
    qualify row_number() over (
        partition by mailbox_address, store_address, message_id
        order by observed_at desc
    ) = 1
),

copies as (
    select
        latest_states.mailbox_address,
        latest_states.store_address,
        latest_states.message_id,
        latest_states.observed_at,
        copy_properties.first_observed_at,
        latest_states.is_removed,
        latest_states.folder_name,
        latest_states.folder_role,
        copy_properties.conversation_id,
        latest_states.internet_message_id,
        latest_states.message_key,
        coalesce(copy_properties.conversation_id, latest_states.message_key) as thread_key,
        copy_properties.subject,
        copy_properties.from_address,
        copy_properties.from_name,
        copy_properties.sender_address,
        copy_properties.to_addresses,
        copy_properties.cc_addresses,
        copy_properties.received_at,
        copy_properties.sent_at,
        copy_properties.is_draft,
        latest_states.categories,
        copy_properties.header_auto_submitted,
        copy_properties.header_precedence,
        copy_properties.has_headers
    from latest_states
    inner join copy_properties
        on
            latest_states.mailbox_address = copy_properties.mailbox_address
            and latest_states.store_address = copy_properties.store_address
            and latest_states.message_id = copy_properties.message_id
),

final as (
    select
        *,
        {{ thread_id('mailbox_address', 'thread_key') }} as thread_id
    from copies
)

select * from final
