-- The backlog on as_of's local day equals the threads of fct_threads that are not resolved,
-- and it is never negative.
with

backlog_daily as (
    select * from {{ ref('agg_backlog_daily') }}
),

threads as (
    select * from {{ ref('fct_threads') }}
),

latest_backlog as (
    select
        mailbox_address,
        max_by(open_threads, period_start) as open_threads,
        min(open_threads) as lowest_open_threads
    from backlog_daily
    group by 1
),

unresolved_threads as (
    select
        mailbox_address,
        count(case when status != 'resolved' then 1 end) as open_threads
    from threads
    group by 1
),

mismatches as (
    select
        coalesce(latest_backlog.mailbox_address, unresolved_threads.mailbox_address) as mailbox_address,
        latest_backlog.open_threads as backlog_open_threads,
        latest_backlog.lowest_open_threads,
        unresolved_threads.open_threads as unresolved_threads
    from latest_backlog
    full outer join unresolved_threads
        on latest_backlog.mailbox_address = unresolved_threads.mailbox_address
    where
        latest_backlog.open_threads is distinct from unresolved_threads.open_threads
        or latest_backlog.lowest_open_threads < 0
)

select * from mismatches
