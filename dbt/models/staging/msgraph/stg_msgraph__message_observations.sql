with

source as (
    select * from {{ source('raw', 'message_observations') }}
),

renamed as (
    select
        cast(observed_at as {{ sql_type('instant') }}) as observed_at,
        lower(mailbox_address) as mailbox_address,
        lower(store_address) as store_address,
        folder_id,
        message_id,
        coalesce(is_removed, false) as is_removed,
        removed_reason,
        conversation_id,
        internet_message_id,
        subject,
        lower(from_address) as from_address,
        from_name,
        lower(sender_address) as sender_address,
        sender_name,
        {{ raw_text_list('to_addresses') }} as to_addresses,
        {{ raw_text_list('cc_addresses') }} as cc_addresses,
        cast(recipient_count as integer) as recipient_count,
        cast(received_date_time as {{ sql_type('instant') }}) as received_at,
        cast(sent_date_time as {{ sql_type('instant') }}) as sent_at,
        cast(created_date_time as {{ sql_type('instant') }}) as created_at,
        cast(last_modified_date_time as {{ sql_type('instant') }}) as last_modified_at,
        is_draft,
        {{ raw_text_list('categories') }} as categories,
        parent_folder_id,
        has_headers,
        header_auto_submitted,
        header_precedence,
        header_x_auto_response_suppress
    from source
)

select * from renamed
