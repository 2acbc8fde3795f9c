with

source as (
    select * from {{ source('config', 'team_addresses') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        lower(address) as address,
        role
    from source
)

select * from renamed
