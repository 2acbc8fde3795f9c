{#-
    One row per mailbox, period (week, month) and local period start: the first response of
    customer-initiated threads by the period of their first inbound message, counting those
    still unanswered (censored at as_of) by the Kaplan-Meier product-limit estimate.
-#}
with

-- The thread facts of fct_threads, read where fct_threads reads them: the mart is built
-- beside fct_threads instead of after it, the last model of a nightly build.
threads_summarized as (
    select * from {{ ref('int_threads_summarized') }}
),

threads_sla_evaluated as (
    select * from {{ ref('int_threads_sla_evaluated') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

-- Per thread: the time to the first response, or to as_of while unanswered (censored); the
-- same on the SLA's clock as a fraction of the thread's target (1 = the target). The local
-- date of the first inbound message is fct_threads.first_inbound_date, by the same macro.
survival_times as (
    select
        threads_summarized.mailbox_address,
        {{ local_date('threads_summarized.first_inbound_at', 'mailboxes.timezone') }} as first_inbound_date,
        threads_summarized.first_response_minutes is not null as is_answered,
        coalesce(
            threads_summarized.first_response_minutes,
            {{ minutes_between('threads_summarized.first_inbound_at', 'build_info.as_of') }}
        ) as response_minutes,
        threads_sla_evaluated.first_response_sla_elapsed_minutes
        / threads_sla_evaluated.first_response_sla_minutes as sla_target_fraction
    from threads_summarized
    cross join build_info
    left join mailboxes
        on threads_summarized.mailbox_address = mailboxes.mailbox_address
    left join threads_sla_evaluated
        on threads_summarized.thread_id = threads_sla_evaluated.thread_id
    where
        threads_summarized.initiated_by = 'customer'
        and threads_summarized.first_inbound_at is not null
),

periods as (
    select
        mailbox_address,
        'week' as period,
        {{ iso_week_start('first_inbound_date') }} as period_start,
        is_answered,
        response_minutes,
        sla_target_fraction
    from survival_times
    union all
    select
        mailbox_address,
        'month' as period,
        {{ month_start('first_inbound_date') }} as period_start,
        is_answered,
        response_minutes,
        sla_target_fraction
    from survival_times
),

response_survival as (
    {{ kaplan_meier('periods', ['mailbox_address', 'period', 'period_start'], 'response_minutes', 'is_answered') }}
),

sla_survival as (
    {{ kaplan_meier('periods', ['mailbox_address', 'period', 'period_start'], 'sla_target_fraction', 'is_answered') }}
),

response_events as (
    select
        *,
        lead(step_time) over (
            partition by mailbox_address, period, period_start order by step_time
        ) as next_step_time
    from response_survival
    where events > 0
),

-- The median: the first response time at which the curve is at or below one half; where it
-- is exactly one half, midway to the next response (as R's survfit), so that with nobody
-- waiting it is the usual median. None while more than half could still be waiting.
response_medians as (
    select
        mailbox_address,
        period,
        period_start,
        min(
            case
                when abs(survival - 0.5) < 1e-9 then (step_time + coalesce(next_step_time, step_time)) / 2
                else step_time
            end
        ) as km_median_first_response_minutes
    from response_events
    where survival <= 0.5 + 1e-9
    group by 1, 2, 3
),

-- Answered within the target: 1 - S(1) on the target's scale (met: elapsed <= target).
sla_shares as (
    select
        mailbox_address,
        period,
        period_start,
        round(1.0 - coalesce(min(case when step_time <= 1.0 then survival end), 1.0), 6) as km_sla_met_share
    from sla_survival
    group by 1, 2, 3
),

counted as (
    select
        mailbox_address,
        period,
        period_start,
        count(*) as threads,
        count(case when is_answered then 1 end) as answered_threads,
        count(case when not is_answered then 1 end) as waiting_threads
    from periods
    group by 1, 2, 3
),

aggregated as (
    select
        counted.mailbox_address,
        counted.period,
        counted.period_start,
        counted.threads,
        counted.answered_threads,
        counted.waiting_threads,
        response_medians.km_median_first_response_minutes,
        sla_shares.km_sla_met_share,
        build_info.as_of
    from counted
    cross join build_info
    left join response_medians
        on
            counted.mailbox_address = response_medians.mailbox_address
            and counted.period = response_medians.period
            and counted.period_start = response_medians.period_start
    left join sla_shares
        on
            counted.mailbox_address = sla_shares.mailbox_address
            and counted.period = sla_shares.period
            and counted.period_start = sla_shares.period_start
)

select * from aggregated
