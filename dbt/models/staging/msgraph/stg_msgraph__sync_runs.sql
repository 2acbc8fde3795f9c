with

source as (
    select * from {{ source('raw', 'sync_runs') }}
),

renamed as (
    select
        cast(run_started_at as {{ sql_type('instant') }}) as run_started_at,
        cast(run_finished_at as {{ sql_type('instant') }}) as run_finished_at,
        source as source_name,
        lower(mailbox_address) as mailbox_address,
        lower(store_address) as store_address,
        cast(folders as integer) as folder_count,
        cast(messages_new as integer) as messages_new,
        cast(messages_changed as integer) as messages_changed,
        cast(messages_removed as integer) as messages_removed,
        cast(requests as integer) as request_count,
        cast(resyncs as integer) as resync_count
    from source
)

select * from renamed
