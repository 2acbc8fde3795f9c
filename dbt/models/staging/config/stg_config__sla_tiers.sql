with

source as (
    select * from {{ source('config', 'sla_tiers') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        tier_name,
        cast(tier_order as integer) as tier_order,
        lower(domain) as customer_domain,
        cast(first_response_sla_minutes as double) as first_response_sla_minutes,
        first_response_sla_clock,
        cast(resolution_sla_minutes as double) as resolution_sla_minutes,
        resolution_sla_clock
    from source
)

select * from renamed
