with

source as (
    select * from {{ source('raw', 'quarantined_items') }}
),

renamed as (
    select
        cast(observed_at as {{ sql_type('instant') }}) as observed_at,
        lower(mailbox_address) as mailbox_address,
        lower(store_address) as store_address,
        folder_id,
        message_id,
        reason,
        payload
    from source
)

select * from renamed
