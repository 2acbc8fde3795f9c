with

source as (
    select * from {{ source('config', 'agents') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        lower(agent_address) as agent_address,
        agent_name,
        category
    from source
)

select * from renamed
