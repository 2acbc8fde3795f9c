with

source as (
    select * from {{ source('config', 'holidays') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        cast(holiday_date as date) as holiday_date
    from source
)

select * from renamed
