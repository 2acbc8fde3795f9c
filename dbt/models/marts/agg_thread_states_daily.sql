{#-
    Per mailbox, local day and state: the threads in that state at the end of the day, with
    the rules of fct_threads.status applied to what had happened by then. Each thread gets a
    row only for the days something changed for it; a change of state adds one to the new
    state and takes one from the old, and a running sum over a day spine turns these into
    counts, so no row per thread and day is ever made.
-#}
with

messages_sequenced as (
    select * from {{ ref('int_messages_sequenced') }}
),

resolution_events as (
    select * from {{ ref('int_thread_resolution_events') }}
),

threads_assigned as (
    select * from {{ ref('int_threads_assigned') }}
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
        mailboxes.timezone,
        {{ local_date('build_info.as_of', 'mailboxes.timezone') }} as last_date
    from mailboxes
    cross join build_info
),

thread_starts as (
    select
        mailbox_address,
        conversation_id,
        message_at as started_at
    from messages_sequenced
    where thread_sequence = 1
),

-- what happened to each thread, with the order of its messages and resolution events
changes as (
    select
        mailbox_address,
        conversation_id,
        message_at as changed_at,
        thread_sequence as change_order,
        direction,
        case when direction = 'outbound' then 1 else 0 end as outbound_messages,
        cast(null as {{ sql_type('text') }}) as resolution_event_type,
        0 as assigned
    from messages_sequenced
    union all
    select
        mailbox_address,
        conversation_id,
        event_at as changed_at,
        event_number as change_order,
        cast(null as {{ sql_type('text') }}) as direction,
        0 as outbound_messages,
        event_type as resolution_event_type,
        0 as assigned
    from resolution_events
    union all
    select
        threads_assigned.mailbox_address,
        threads_assigned.conversation_id,
        greatest(threads_assigned.first_assigned_at, thread_starts.started_at) as changed_at,
        0 as change_order,
        cast(null as {{ sql_type('text') }}) as direction,
        0 as outbound_messages,
        cast(null as {{ sql_type('text') }}) as resolution_event_type,
        1 as assigned
    from threads_assigned
    inner join thread_starts
        on
            threads_assigned.mailbox_address = thread_starts.mailbox_address
            and threads_assigned.conversation_id = thread_starts.conversation_id
    where threads_assigned.first_assigned_at is not null
),

-- a change after as_of's day (a clock running ahead) counts on as_of's day, as in fct_threads
thread_days as (
    select
        changes.mailbox_address,
        changes.conversation_id,
        least(
            {{ local_date('changes.changed_at', 'mailbox_days_bounds.timezone') }},
            mailbox_days_bounds.last_date
        ) as period_start,
        {{ max_by_non_null('changes.direction', 'changes.change_order') }} as last_direction,
        sum(changes.outbound_messages) as outbound_messages,
        {{ max_by_non_null('changes.resolution_event_type', 'changes.change_order') }} as last_resolution_event_type,
        max(changes.assigned) as assigned
    from changes
    inner join mailbox_days_bounds
        on changes.mailbox_address = mailbox_days_bounds.mailbox_address
    group by 1, 2, 3
),

thread_days_carried as (
    select
        mailbox_address,
        conversation_id,
        period_start,
        {{ last_non_null('last_direction') }} over thread_history as last_direction,
        sum(outbound_messages) over thread_history as outbound_messages,
        {{ last_non_null('last_resolution_event_type') }} over thread_history as last_resolution_event_type,
        max(assigned) over thread_history as assigned
    from thread_days
    window thread_history as (
        partition by mailbox_address, conversation_id
        order by period_start
        rows between unbounded preceding and current row
    )
),

-- metrics.md "Status", first match
thread_day_states as (
    select
        mailbox_address,
        conversation_id,
        period_start,
        case
            when last_resolution_event_type = 'resolved' then 'resolved'
            when last_direction = 'outbound' then 'waiting_on_customer'
            when outbound_messages > 0 then 'awaiting_response'
            when assigned = 1 then 'assigned'
            else 'new'
        end as status
    from thread_days_carried
),

state_changes as (
    select
        mailbox_address,
        period_start,
        status,
        lag(status) over (
            partition by mailbox_address, conversation_id
            order by period_start
        ) as previous_status
    from thread_day_states
),

state_deltas as (
    select
        mailbox_address,
        period_start,
        status,
        1 as delta
    from state_changes
    where previous_status is null or status != previous_status
    union all
    select
        mailbox_address,
        period_start,
        previous_status as status,
        -1 as delta
    from state_changes
    where status != previous_status
),

daily_deltas as (
    select
        mailbox_address,
        period_start,
        status,
        sum(delta) as delta
    from state_deltas
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
