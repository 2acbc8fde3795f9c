with

source as (
    select * from {{ source('config', 'internal_domains') }}
),

renamed as (
    select lower(domain) as internal_domain
    from source
)

select * from renamed
