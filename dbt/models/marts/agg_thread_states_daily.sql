{#-
    Per mailbox, local day and state: the threads in that state at the end of the day, with
    the rules of fct_threads.status applied to what had happened by then: a running sum over
    a day spine of the threads' changes of state (int_thread_status_changes).
-#}
with

thread_status_changes as (
    select * from {{ ref('int_thread_status_changes') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

mailbox_days_bounds as (
    select
        mailboxes.mailbox_address,
        {{ local_date('build_info.as_of', 'mailboxes.timezone') }} as last_date
    from mailboxes
    cross join build_info
),

-- a change after as_of's day (a clock running ahead) counts on as_of's day, as in fct_threads
daily_deltas as (
    select
        thread_status_changes.mailbox_address,
        least(thread_status_changes.changed_on, mailbox_days_bounds.last_date) as period_start,
        thread_status_changes.status,
        sum(thread_status_changes.delta) as delta
    from thread_status_changes
    inner join mailbox_days_bounds
        on thread_status_changes.mailbox_address = mailbox_days_bounds.mailbox_address
    group by 1, 2, 3
),

mailbox_ranges as (
    select
        daily_deltas.mailbox_address,
        min(daily_deltas.period_start) as first_date,
        mailbox_days_bounds.last_date
    from daily_deltas
    inner join mailbox_days_bounds
        on daily_deltas.mailbox_address = mailbox_days_bounds.mailbox_address
    group by 1, 3
),

mailbox_days as (
    select
        mailbox_address,
        {{ day_series('first_date', 'last_date') }} as period_start
    from mailbox_ranges
),

statuses as (
    select 'new' as status
    union all
    select 'assigned' as status
    union all
    select 'awaiting_response' as status
    union all
    select 'waiting_on_customer' as status
    union all
    select 'resolved' as status
),

thread_states_daily as (
    select
        mailbox_days.mailbox_address,
        mailbox_days.period_start,
        statuses.status,
        cast(sum(coalesce(daily_deltas.delta, 0)) over (
            partition by mailbox_days.mailbox_address, statuses.status
            order by mailbox_days.period_start
            rows between unbounded preceding and current row
        ) as bigint) as thread_count
    from mailbox_days
    cross join statuses
    left join daily_deltas
        on
            mailbox_days.mailbox_address = daily_deltas.mailbox_address
            and mailbox_days.period_start = daily_deltas.period_start
            and statuses.status = daily_deltas.status
)

select * from thread_states_daily
