with

source as (
    select * from {{ source('config', 'build_info') }}
),

renamed as (
    select
        cast(as_of as {{ sql_type('instant') }}) as as_of,
        source as source_name
    from source
)

select * from renamed
