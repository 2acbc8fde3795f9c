{{ incremental_by_scope('int_conversations_open_or_touched', ['thread_id']) }}

with

threads_summarized as (
    select * from {{ ref('int_threads_summarized') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

customers as (
    select * from {{ ref('stg_config__customers') }}
),

threads_waited as (
    select * from {{ ref('int_threads_waited') }}
    where {{ in_scope() }}
),

threads_sla_evaluated as (
    select * from {{ ref('int_threads_sla_evaluated') }}
    where {{ in_scope() }}
),

threads_resolved as (
    select * from {{ ref('int_threads_resolved') }}
    where {{ in_scope() }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

threads_assigned as (
    select * from {{ ref('int_threads_assigned') }}
    where {{ in_scope() }}
),

threads_topics as (
    select * from {{ ref('int_threads_topics') }}
    where {{ in_scope() }}
),

messages as (
    select * from {{ ref('fct_messages') }}
    where {{ in_scope() }}
),

resolution_timed as (
    select
        threads_summarized.thread_id,
        threads_resolved.resolved_at,
        threads_resolved.is_resolved,
        threads_resolved.reopen_count,
        {{ minutes_between('threads_summarized.first_inbound_at', 'threads_resolved.resolved_at') }}
            as resolution_minutes,
        {{ business_minutes_between('inbound_clock', 'threads_summarized.first_inbound_at',
                                    'resolved_clock', 'threads_resolved.resolved_at') }}
            as resolution_business_minutes
    from threads_summarized
    inner join threads_resolved
        on threads_summarized.thread_id = threads_resolved.thread_id
    {{ business_clock_join('inbound_clock', 'threads_summarized.mailbox_address',
                           'threads_summarized.first_inbound_at') }}
    {{ business_clock_join('resolved_clock', 'threads_summarized.mailbox_address', 'threads_resolved.resolved_at') }}
),

threads_joined as (
    select
        threads_summarized.mailbox_address,
        threads_summarized.conversation_id,
        threads_summarized.thread_id,
        threads_summarized.subject,
        threads_summarized.customer_address,
        nullif(lower(split_part(threads_summarized.customer_address, '@', 2)), '') as customer_domain,
        threads_summarized.initiated_by,
        threads_summarized.started_at,
        {{ local_date('threads_summarized.started_at', 'mailboxes.timezone') }} as started_date,
        threads_summarized.first_inbound_at,
        {{ local_date('threads_summarized.first_inbound_at', 'mailboxes.timezone') }} as first_inbound_date,
        threads_summarized.first_response_at,
        {{ local_date('threads_summarized.first_response_at', 'mailboxes.timezone') }} as first_response_date,
        threads_summarized.first_responder,
        threads_summarized.first_response_minutes,
        threads_summarized.first_response_business_minutes,
        threads_summarized.last_response_at,
        threads_summarized.last_responder,
        threads_summarized.last_response_minutes,
        threads_summarized.last_response_business_minutes,
        threads_summarized.last_message_at,
        {{ local_date('threads_summarized.last_message_at', 'mailboxes.timezone') }} as last_message_date,
        threads_summarized.last_direction,
        resolution_timed.resolved_at,
        {{ local_date('resolution_timed.resolved_at', 'mailboxes.timezone') }} as resolved_date,
        coalesce(resolution_timed.is_resolved, false) as is_resolved,
        resolution_timed.resolution_minutes,
        resolution_timed.resolution_business_minutes,
        threads_summarized.inbound_count,
        threads_summarized.outbound_count,
        cast(coalesce(resolution_timed.reopen_count, 0) as bigint) as reopen_count,
        threads_assigned.assignee,
        cast(coalesce(threads_assigned.reassignment_count, 0) as bigint) as reassignment_count,
        threads_sla_evaluated.sla_first_response_status,
        threads_sla_evaluated.sla_tier,
        threads_sla_evaluated.first_response_sla_minutes,
        threads_sla_evaluated.first_response_sla_clock,
        coalesce(threads_topics.topics, {{ empty_text_list() }}) as topics,
        threads_summarized.turn_count,
        threads_summarized.answered_turn_count,
        threads_summarized.collision_turns,
        coalesce(threads_waited.awaiting_team_minutes, 0) as awaiting_team_minutes,
        coalesce(threads_waited.awaiting_team_business_minutes, 0) as awaiting_team_business_minutes,
        coalesce(threads_waited.waiting_on_customer_minutes, 0) as waiting_on_customer_minutes,
        coalesce(threads_waited.waiting_on_customer_business_minutes, 0) as waiting_on_customer_business_minutes
    from threads_summarized
    left join mailboxes
        on threads_summarized.mailbox_address = mailboxes.mailbox_address
    left join threads_waited
        on threads_summarized.thread_id = threads_waited.thread_id
    left join threads_sla_evaluated
        on threads_summarized.thread_id = threads_sla_evaluated.thread_id
    left join resolution_timed
        on threads_summarized.thread_id = resolution_timed.thread_id
    left join threads_assigned
        on threads_summarized.thread_id = threads_assigned.thread_id
    left join threads_topics
        on threads_summarized.thread_id = threads_topics.thread_id
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
),

-- The company of each customer domain (a subdomain is its domain's; the longest named
-- domain wins), else the domain itself: worked out once per domain, not once per thread.
domain_names as (
    select
        domains.customer_domain,
        customers.customer_name
    from (select distinct customer_domain from statused) as domains
    inner join customers
        on
            domains.customer_domain = customers.customer_domain
            or domains.customer_domain like '%.' || customers.customer_domain
    qualify row_number() over (
        partition by domains.customer_domain
        order by length(customers.customer_domain) desc
    ) = 1
),

customers_named as (
    select
        statused.*,
        coalesce(domain_names.customer_name, statused.customer_domain) as customer_name
    from statused
    left join domain_names
        on statused.customer_domain = domain_names.customer_domain
),

-- Whether the customer's first message arrived outside business hours (fct_messages).
first_arrivals as (
    select
        thread_id,
        {{ min_by_non_null('is_received_outside_hours', 'message_at') }} as started_outside_hours
    from messages
    where direction = 'inbound'
    group by 1
),

-- Team replies from the first inbound message up to the first resolution.
replies_to_resolution as (
    select
        threads_summarized.thread_id,
        count(messages.internet_message_id) as replies_to_resolve
    from threads_summarized
    inner join threads_resolved
        on threads_summarized.thread_id = threads_resolved.thread_id
    left join messages
        on
            threads_summarized.thread_id = messages.thread_id
            and messages.direction = 'outbound'
            and threads_summarized.first_inbound_at < messages.message_at
            and threads_resolved.resolved_at >= messages.message_at
    where threads_summarized.initiated_by = 'customer'
    group by 1
),

-- Resolution quality (docs/metrics.md): counted for customer-initiated threads resolved after
-- at least one reply; one touch = exactly one reply before the first resolution, never reopened.
resolution_quality as (
    select
        customers_named.*,
        case when customers_named.initiated_by = 'customer' then first_arrivals.started_outside_hours end
            as started_outside_hours,
        cast(nullif(replies_to_resolution.replies_to_resolve, 0) as bigint) as replies_to_resolve,
        case
            when replies_to_resolution.replies_to_resolve >= 1
                then replies_to_resolution.replies_to_resolve = 1 and customers_named.reopen_count = 0
        end as is_one_touch_resolution,
        -- an open thread's age as of the build: since the customer's first message, or the
        -- latest message of a thread the team started
        case
            when customers_named.status <> 'resolved'
                then {{ minutes_between(
                    'coalesce(customers_named.first_inbound_at, customers_named.last_message_at)',
                    'build_info.as_of') }}
        end as open_age_minutes
    from customers_named
    cross join build_info
    left join first_arrivals
        on customers_named.thread_id = first_arrivals.thread_id
    left join replies_to_resolution
        on customers_named.thread_id = replies_to_resolution.thread_id
)

select * from resolution_quality
