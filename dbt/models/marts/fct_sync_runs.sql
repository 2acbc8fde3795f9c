with

sync_runs as (
    select * from {{ ref('stg_msgraph__sync_runs') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

runs as (
    select
        sync_runs.mailbox_address,
        sync_runs.store_address,
        sync_runs.source_name,
        sync_runs.run_started_at,
        sync_runs.run_finished_at,
        sync_runs.folder_count,
        sync_runs.messages_new,
        sync_runs.messages_changed,
        sync_runs.messages_removed,
        sync_runs.request_count,
        sync_runs.resync_count,
        build_info.as_of
    from sync_runs
    cross join build_info
)

select * from runs
