{#-
    Per thread, the local days its state changed (the rules of fct_threads.status applied to
    what had happened by the end of each day): one row +1 for the new state and one row -1
    for the old. agg_thread_states_daily sums them over a day spine, so no row per thread and
    day is ever made. Incremental: a build recomputes the threads it touched and those that may
    resolve by idling.
-#}
{{ incremental_by_scope('int_conversations_idling_or_touched', ['thread_id']) }}

with

messages_sequenced as (
    select * from {{ ref('int_messages_sequenced') }}
    where {{ in_scope() }}
),

resolution_events as (
    select * from {{ ref('int_thread_resolution_events') }}
    where {{ in_scope() }}
),

threads_assigned as (
    select * from {{ ref('int_threads_assigned') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

thread_starts as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        message_at as started_at
    from messages_sequenced
    where thread_sequence = 1
),

-- what happened to each thread, with the order of its messages and resolution events
changes as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
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
        thread_id,
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
        threads_assigned.thread_id,
        greatest(threads_assigned.first_assigned_at, thread_starts.started_at) as changed_at,
        0 as change_order,
        cast(null as {{ sql_type('text') }}) as direction,
        0 as outbound_messages,
        cast(null as {{ sql_type('text') }}) as resolution_event_type,
        1 as assigned
    from threads_assigned
    inner join thread_starts
        on threads_assigned.thread_id = thread_starts.thread_id
    where threads_assigned.first_assigned_at is not null
),

thread_days as (
    select
        changes.mailbox_address,
        changes.conversation_id,
        changes.thread_id,
        {{ local_date('changes.changed_at', 'mailboxes.timezone') }} as period_start,
        {{ max_by_non_null('changes.direction', 'changes.change_order') }} as last_direction,
        sum(changes.outbound_messages) as outbound_messages,
        {{ max_by_non_null('changes.resolution_event_type', 'changes.change_order') }} as last_resolution_event_type,
        max(changes.assigned) as assigned
    from changes
    inner join mailboxes
        on changes.mailbox_address = mailboxes.mailbox_address
    group by 1, 2, 3, 4
),

thread_days_carried as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        period_start,
        {{ last_non_null('last_direction') }} over thread_history as last_direction,
        sum(outbound_messages) over thread_history as outbound_messages,
        {{ last_non_null('last_resolution_event_type') }} over thread_history as last_resolution_event_type,
        max(assigned) over thread_history as assigned
    from thread_days
    window thread_history as (
        partition by thread_id
        order by period_start
        rows between unbounded preceding and current row
    )
),

-- metrics.md "Status", first match
thread_day_states as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
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
        conversation_id,
        thread_id,
        period_start,
        status,
        lag(status) over (
            partition by thread_id
            order by period_start
        ) as previous_status
    from thread_day_states
),

state_deltas as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        period_start as changed_on,
        status,
        1 as delta
    from state_changes
    where previous_status is null or status != previous_status
    union all
    select
        mailbox_address,
        conversation_id,
        thread_id,
        period_start as changed_on,
        previous_status as status,
        -1 as delta
    from state_changes
    where status != previous_status
)

select * from state_deltas
