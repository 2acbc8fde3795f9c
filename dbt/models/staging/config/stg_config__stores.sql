with

source as (
    select * from {{ source('config', 'stores') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        lower(store_address) as store_address,
        role
    from source
)

select * from renamed
