with

source as (
    select * from {{ source('config', 'folders') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        folder_name,
        role,
        lower(agent_address) as agent_address
    from source
)

select * from renamed
