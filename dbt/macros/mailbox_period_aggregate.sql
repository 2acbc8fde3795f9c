{#-
    The body of agg_mailbox_daily / _weekly / _monthly: one row per mailbox and local period
    (`day`, ISO `week` from Monday, calendar `month`), from the first period with mail to the
    one holding as_of. Every figure is computed over the period's rows of the facts (messages
    by their time, threads by their start or first inbound, turns by their start), never from
    other aggregates.
-#}
{% macro mailbox_period_aggregate(period) -%}
with

messages as (
    select * from {{ ref('fct_messages') }}
),

threads as (
    select * from {{ ref('fct_threads') }}
),

replies as (
    select * from {{ ref('fct_replies') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

message_periods as (
    select
        messages.mailbox_address,
        {{ local_period_start(period, 'messages.message_at', 'mailboxes.timezone') }} as period_start,
        count(case when messages.direction = 'inbound' then 1 end) as inbound_messages,
        count(case when messages.direction = 'outbound' then 1 end) as outbound_messages
    from messages
    inner join mailboxes on messages.mailbox_address = mailboxes.mailbox_address
    group by 1, 2
),

thread_start_periods as (
    select
        threads.mailbox_address,
        {{ local_period_start(period, 'threads.started_at', 'mailboxes.timezone') }} as period_start,
        count(*) as new_threads,
        count(case when threads.initiated_by = 'customer' then 1 end) as new_customer_threads,
        count(case when threads.assignee is not null then 1 end) as assigned_threads,
        count(case when threads.assignee is not null and threads.reassignment_count >= 1 then 1 end)
            as reassigned_threads
    from threads
    inner join mailboxes on threads.mailbox_address = mailboxes.mailbox_address
    group by 1, 2
),

first_response_periods as (
    select
        threads.mailbox_address,
        {{ local_period_start(period, 'threads.first_inbound_at', 'mailboxes.timezone') }} as period_start,
        avg(threads.first_response_minutes) as avg_first_response_minutes,
        median(threads.first_response_minutes) as median_first_response_minutes,
        {{ percentile_of('threads.first_response_minutes', 0.9) }} as p90_first_response_minutes,
        avg(threads.first_response_business_minutes) as avg_first_response_business_minutes,
        median(threads.first_response_business_minutes) as median_first_response_business_minutes,
        count(case when threads.sla_first_response_status = 'met' then 1 end) as sla_met_threads,
        count(case when threads.sla_first_response_status = 'breached' then 1 end) as sla_breached_threads
    from threads
    inner join mailboxes on threads.mailbox_address = mailboxes.mailbox_address
    where threads.initiated_by = 'customer'
    group by 1, 2
),

resolution_periods as (
    select
        threads.mailbox_address,
        {{ local_period_start(period, 'threads.resolved_at', 'mailboxes.timezone') }} as period_start,
        count(*) as resolved_threads,
        count(case when threads.reopen_count >= 1 then 1 end) as reopened_threads
    from threads
    inner join mailboxes on threads.mailbox_address = mailboxes.mailbox_address
    where threads.resolved_at is not null
    group by 1, 2
),

turn_periods as (
    select
        replies.mailbox_address,
        {{ local_period_start(period, 'replies.turn_started_at', 'mailboxes.timezone') }} as period_start,
        count(*) as turns,
        count(replies.replied_at) as answered_turns,
        count(*) - count(replies.replied_at) as unanswered_turns,
        count(case when replies.is_collision then 1 end) as collided_turns,
        avg(replies.reply_minutes) as avg_reply_minutes,
        median(replies.reply_minutes) as median_reply_minutes,
        {{ percentile_of('replies.reply_minutes', 0.9) }} as p90_reply_minutes,
        avg(replies.reply_business_minutes) as avg_reply_business_minutes,
        median(replies.reply_business_minutes) as median_reply_business_minutes
    from replies
    inner join mailboxes on replies.mailbox_address = mailboxes.mailbox_address
    group by 1, 2
),

active_periods as (
    select mailbox_address, period_start from message_periods
    union
    select mailbox_address, period_start from thread_start_periods
    union
    select mailbox_address, period_start from resolution_periods
),

period_bounds as (
    select
        active_periods.mailbox_address,
        min(active_periods.period_start) as first_period_start,
        max(
            {{ local_period_start(period, 'build_info.as_of', 'mailboxes.timezone') }}
        ) as last_period_start
    from active_periods
    inner join mailboxes on active_periods.mailbox_address = mailboxes.mailbox_address
    cross join build_info
    group by 1
),

periods as (
    select
        mailbox_address,
        {{ period_starts('first_period_start', 'last_period_start', period) }} as period_start
    from period_bounds
),

aggregated as (
    select
        periods.mailbox_address,
        periods.period_start,
        coalesce(message_periods.inbound_messages, 0) as inbound_messages,
        coalesce(message_periods.outbound_messages, 0) as outbound_messages,
        coalesce(thread_start_periods.new_threads, 0) as new_threads,
        coalesce(thread_start_periods.new_customer_threads, 0) as new_customer_threads,
        coalesce(turn_periods.turns, 0) as turns,
        coalesce(turn_periods.answered_turns, 0) as answered_turns,
        coalesce(turn_periods.unanswered_turns, 0) as unanswered_turns,
        turn_periods.avg_reply_minutes,
        turn_periods.median_reply_minutes,
        turn_periods.p90_reply_minutes,
        turn_periods.avg_reply_business_minutes,
        turn_periods.median_reply_business_minutes,
        first_response_periods.avg_first_response_minutes,
        first_response_periods.median_first_response_minutes,
        first_response_periods.p90_first_response_minutes,
        first_response_periods.avg_first_response_business_minutes,
        first_response_periods.median_first_response_business_minutes,
        coalesce(first_response_periods.sla_met_threads, 0) as sla_met_threads,
        coalesce(first_response_periods.sla_breached_threads, 0) as sla_breached_threads,
        cast(first_response_periods.sla_met_threads as double)
        / nullif(first_response_periods.sla_met_threads + first_response_periods.sla_breached_threads, 0)
            as sla_met_rate,
        coalesce(resolution_periods.resolved_threads, 0) as resolved_threads,
        cast(resolution_periods.reopened_threads as double) / nullif(resolution_periods.resolved_threads, 0)
            as reopen_rate,
        cast(thread_start_periods.reassigned_threads as double) / nullif(thread_start_periods.assigned_threads, 0)
            as reassignment_rate,
        coalesce(turn_periods.collided_turns, 0) as collided_turns,
        cast(turn_periods.collided_turns as double) / nullif(turn_periods.answered_turns, 0) as collision_rate,
        build_info.as_of
    from periods
    cross join build_info
    left join message_periods
        on
            periods.mailbox_address = message_periods.mailbox_address
            and periods.period_start = message_periods.period_start
    left join thread_start_periods
        on
            periods.mailbox_address = thread_start_periods.mailbox_address
            and periods.period_start = thread_start_periods.period_start
    left join first_response_periods
        on
            periods.mailbox_address = first_response_periods.mailbox_address
            and periods.period_start = first_response_periods.period_start
    left join resolution_periods
        on
            periods.mailbox_address = resolution_periods.mailbox_address
            and periods.period_start = resolution_periods.period_start
    left join turn_periods
        on
            periods.mailbox_address = turn_periods.mailbox_address
            and periods.period_start = turn_periods.period_start
)

select * from aggregated
{%- endmacro %}

{#- First local date of the `day`, ISO `week` (Monday) or calendar `month` holding a UTC instant. -#}
{% macro local_period_start(period, instant, time_zone) -%}
cast(date_trunc('{{ period }}', {{ utc_to_local(instant, time_zone) }}) as date)
{%- endmacro %}
