with

source as (
    select * from {{ source('raw', 'mail_folders') }}
),

renamed as (
    select
        lower(mailbox_address) as mailbox_address,
        lower(store_address) as store_address,
        folder_id,
        parent_folder_id,
        display_name as folder_name,
        lower(well_known_name) as well_known_name,
        folder_path,
        coalesce(is_excluded, false) as is_excluded,
        cast(observed_at as {{ sql_type('instant') }}) as observed_at
    from source
    -- dlt merges on (store_address, folder_id); where it can only append (Parquet), the
    -- latest observation of a folder is the one the merge would have kept
    qualify row_number() over (partition by store_address, folder_id order by observed_at desc) = 1
)

select * from renamed
