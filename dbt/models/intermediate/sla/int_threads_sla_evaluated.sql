{#-
    One row per thread: its SLA tier (from the customer's address domain, first match by
    tier_order; a subdomain matches its domain) and its first-response SLA status as of the
    build's as_of (metrics.md, "Business hours and SLA"). Only customer-initiated threads
    of a mailbox with a first-response target get a status.
-#}
{{ incremental_by_scope('int_conversations_open_or_touched', ['thread_id']) }}

with

threads_summarized as (
    select * from {{ ref('int_threads_summarized') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

sla_tiers as (
    select * from {{ ref('stg_config__sla_tiers') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

tier_matches as (
    select
        threads_summarized.thread_id,
        sla_tiers.tier_name,
        sla_tiers.first_response_sla_minutes,
        sla_tiers.first_response_sla_clock
    from threads_summarized
    inner join sla_tiers
        on
            threads_summarized.mailbox_address = sla_tiers.mailbox_address
            and (
                split_part(threads_summarized.customer_address, '@', 2) = sla_tiers.customer_domain
                or split_part(threads_summarized.customer_address, '@', 2) like '%.' || sla_tiers.customer_domain
            )
    qualify row_number() over (
        partition by threads_summarized.thread_id
        order by sla_tiers.tier_order
    ) = 1
),

targets as (
    select
        threads_summarized.mailbox_address,
        threads_summarized.conversation_id,
        threads_summarized.thread_id,
        threads_summarized.initiated_by,
        threads_summarized.first_inbound_at,
        threads_summarized.first_response_minutes,
        threads_summarized.first_response_business_minutes,
        tier_matches.tier_name as sla_tier,
        case
            when tier_matches.tier_name is not null then tier_matches.first_response_sla_minutes
            else mailboxes.first_response_sla_minutes
        end as first_response_sla_minutes,
        case
            when tier_matches.tier_name is not null then tier_matches.first_response_sla_clock
            else mailboxes.first_response_sla_clock
        end as first_response_sla_clock,
        build_info.as_of
    from threads_summarized
    inner join mailboxes
        on threads_summarized.mailbox_address = mailboxes.mailbox_address
    cross join build_info
    left join tier_matches
        on threads_summarized.thread_id = tier_matches.thread_id
),

-- Minutes on the SLA's clock from the first inbound message to the first response, or to as_of.
elapsed as (
    select
        targets.*,
        case
            when targets.first_response_sla_clock = 'calendar'
                then coalesce(
                    targets.first_response_minutes,
                    {{ minutes_between('targets.first_inbound_at', 'targets.as_of') }}
                )
            else coalesce(
                targets.first_response_business_minutes,
                {{ business_minutes_between('inbound_clock', 'targets.first_inbound_at',
                                            'as_of_clock', 'targets.as_of') }}
            )
        end as first_response_sla_elapsed_minutes
    from targets
    {{ business_clock_join('inbound_clock', 'targets.mailbox_address', 'targets.first_inbound_at') }}
    {{ business_clock_join('as_of_clock', 'targets.mailbox_address', 'targets.as_of') }}
),

evaluated as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        sla_tier,
        first_response_sla_minutes,
        first_response_sla_clock,
        first_response_sla_elapsed_minutes,
        -- the clock runs to as_of while there is no first response: the next build moves it
        first_response_minutes is null as is_elapsed_to_as_of,
        case
            when initiated_by <> 'customer' or first_response_sla_minutes is null then null
            when first_response_sla_elapsed_minutes > first_response_sla_minutes then 'breached'
            when first_response_minutes is not null then 'met'
            else 'pending'
        end as sla_first_response_status
    from elapsed
)

select * from evaluated
