-- On as_of's local day the threads per state equal fct_threads by status; on every day the
-- states other than resolved add up to the backlog; no count is negative.
with

thread_states_daily as (
    select * from {{ ref('agg_thread_states_daily') }}
),

threads as (
    select * from {{ ref('fct_threads') }}
),

backlog_daily as (
    select * from {{ ref('agg_backlog_daily') }}
),

last_days as (
    select
        mailbox_address,
        max(period_start) as period_start
    from thread_states_daily
    group by 1
),

states_on_last_day as (
    select
        thread_states_daily.mailbox_address,
        thread_states_daily.status,
        thread_states_daily.thread_count
    from thread_states_daily
    inner join last_days
        on
            thread_states_daily.mailbox_address = last_days.mailbox_address
            and thread_states_daily.period_start = last_days.period_start
    where thread_states_daily.thread_count != 0
),

threads_by_status as (
    select
        mailbox_address,
        status,
        count(*) as thread_count
    from threads
    group by 1, 2
),

status_mismatches as (
    select
        coalesce(states_on_last_day.mailbox_address, threads_by_status.mailbox_address) as mailbox_address,
        cast(null as date) as period_start,
        coalesce(states_on_last_day.status, threads_by_status.status) as status,
        states_on_last_day.thread_count as state_count,
        threads_by_status.thread_count as expected_count
    from states_on_last_day
    full outer join threads_by_status
        on
            states_on_last_day.mailbox_address = threads_by_status.mailbox_address
            and states_on_last_day.status = threads_by_status.status
    where states_on_last_day.thread_count is distinct from threads_by_status.thread_count
),

open_states as (
    select
        mailbox_address,
        period_start,
        sum(case when status != 'resolved' then thread_count else 0 end) as open_threads,
        min(thread_count) as lowest_count
    from thread_states_daily
    group by 1, 2
),

backlog_mismatches as (
    select
        coalesce(open_states.mailbox_address, backlog_daily.mailbox_address) as mailbox_address,
        coalesce(open_states.period_start, backlog_daily.period_start) as period_start,
        'open' as status,
        open_states.open_threads as state_count,
        backlog_daily.open_threads as expected_count
    from open_states
    full outer join backlog_daily
        on
            open_states.mailbox_address = backlog_daily.mailbox_address
            and open_states.period_start = backlog_daily.period_start
    where
        open_states.open_threads is distinct from backlog_daily.open_threads
        or open_states.lowest_count < 0
)

select * from status_mismatches
union all
select * from backlog_mismatches
