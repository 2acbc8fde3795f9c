with

source as (
    select * from {{ source('config', 'customers') }}
),

renamed as (
    select
        customer_name,
        lower(domain) as customer_domain
    from source
)

select * from renamed
