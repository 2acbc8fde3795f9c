with

quarantined_items as (
    select * from {{ ref('stg_msgraph__quarantined_items') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

items as (
    select
        quarantined_items.mailbox_address,
        quarantined_items.store_address,
        quarantined_items.folder_id,
        quarantined_items.message_id,
        quarantined_items.observed_at,
        quarantined_items.reason,
        quarantined_items.payload,
        build_info.as_of
    from quarantined_items
    cross join build_info
)

select * from items
