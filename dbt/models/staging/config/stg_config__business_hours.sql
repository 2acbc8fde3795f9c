with

source as (
    select * from {{ source('config', 'business_hours') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        cast(iso_dow as integer) as iso_dow,
        cast(start_minute as integer) as start_minute,
        cast(end_minute as integer) as end_minute
    from source
)

select * from renamed
