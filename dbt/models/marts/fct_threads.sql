with

threads_summarized as (
    select * from {{ ref('int_threads_summarized') }}
),

threads_waited as (
    select * from {{ ref('int_threads_waited') }}
),

threads_sla_evaluated as (
    select * from {{ ref('int_threads_sla_evaluated') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

-- Resolution, reopen, assignee and topics come from the folder and category history.
thread_history as (
    select
        mailbox_address,
        conversation_id,
        cast(null as timestamptz) as resolved_at,
        false as is_resolved,
        cast(null as double) as resolution_minutes,
        cast(null as double) as resolution_business_minutes,
        0 as reopen_count,
        cast(null as varchar) as assignee,
        0 as reassignment_count,
        cast([] as varchar[]) as topics
    from threads_summarized
),

threads_joined as (
    select
        threads_summarized.mailbox_address,
        threads_summarized.conversation_id,
        threads_summarized.subject,
        threads_summarized.customer_address,
        threads_summarized.initiated_by,
        threads_summarized.started_at,
        threads_summarized.first_inbound_at,
        threads_summarized.first_response_at,
        threads_summarized.first_responder,
        threads_summarized.first_response_minutes,
        threads_summarized.first_response_business_minutes,
        threads_summarized.last_response_at,
        threads_summarized.last_responder,
        threads_summarized.last_response_minutes,
        threads_summarized.last_response_business_minutes,
        threads_summarized.last_message_at,
        threads_summarized.last_direction,
        thread_history.resolved_at,
        thread_history.is_resolved,
        thread_history.resolution_minutes,
        thread_history.resolution_business_minutes,
        threads_summarized.inbound_count,
        threads_summarized.outbound_count,
        thread_history.reopen_count,
        thread_history.assignee,
        thread_history.reassignment_count,
        threads_sla_evaluated.sla_first_response_status,
        threads_sla_evaluated.sla_tier,
        threads_sla_evaluated.first_response_sla_minutes,
        threads_sla_evaluated.first_response_sla_clock,
        thread_history.topics,
        threads_summarized.turn_count,
        threads_summarized.answered_turn_count,
        threads_summarized.collision_turns,
        coalesce(threads_waited.awaiting_team_minutes, 0) as awaiting_team_minutes,
        coalesce(threads_waited.awaiting_team_business_minutes, 0) as awaiting_team_business_minutes,
        coalesce(threads_waited.waiting_on_customer_minutes, 0) as waiting_on_customer_minutes,
        coalesce(threads_waited.waiting_on_customer_business_minutes, 0) as waiting_on_customer_business_minutes,
        build_info.as_of
    from threads_summarized
    cross join build_info
    left join threads_waited
        on
            threads_summarized.mailbox_address = threads_waited.mailbox_address
            and threads_summarized.conversation_id = threads_waited.conversation_id
    left join threads_sla_evaluated
        on
            threads_summarized.mailbox_address = threads_sla_evaluated.mailbox_address
            and threads_summarized.conversation_id = threads_sla_evaluated.conversation_id
    left join thread_history
        on
            threads_summarized.mailbox_address = thread_history.mailbox_address
            and threads_summarized.conversation_id = thread_history.conversation_id
),

-- Exactly one state per thread as of as_of (metrics.md, "Status").
statused as (
    select
        *,
        case
            when is_resolved then 'resolved'
            when last_direction = 'outbound' then 'waiting_on_customer'
            when outbound_count > 0 then 'awaiting_response'
            when assignee is not null then 'assigned'
            else 'new'
        end as status
    from threads_joined
)

select * from statused
