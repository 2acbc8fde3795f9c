{#-
    One row per thread (mailbox_address, conversation_id) with counted messages: who opened
    it, first and last response to the customer, volumes and the latest message
    (metrics.md, "Threads"). Business-minute twins use the mailbox's business clock.
-#}
{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_sequenced as (
    select * from {{ ref('int_messages_sequenced') }}
    where {{ in_scope() }}
),

turns_answered as (
    select * from {{ ref('int_turns_answered') }}
    where {{ in_scope() }}
),

thread_messages as (
    select
        mailbox_address,
        conversation_id,
        thread_id,
        min(message_at) as started_at,
        max(message_at) as last_message_at,
        {{ min_by_non_null('direction', 'thread_sequence') }} as first_direction,
        {{ max_by_non_null('direction', 'thread_sequence') }} as last_direction,
        {{ min_by_non_null('subject', 'thread_sequence') }} as subject,
        min(case when direction = 'inbound' then message_at end) as first_inbound_at,
        min(case when direction = 'inbound' then thread_sequence end) as first_inbound_sequence,
        count(case when direction = 'inbound' then 1 end) as inbound_count,
        count(case when direction = 'outbound' then 1 end) as outbound_count
    from messages_sequenced
    group by 1, 2, 3
),

customers as (
    select
        thread_id,
        from_address as customer_address
    from messages_sequenced
    where direction = 'inbound' and is_turn_start and turn_number = 1
),

-- The latest outbound message after the first inbound one; its responder may be null (Send As).
last_responses as (
    select
        thread_id,
        message_at as last_response_at,
        responder as last_responder
    from messages_sequenced
    where direction = 'outbound' and turn_number > 0
    qualify row_number() over (
        partition by thread_id
        order by thread_sequence desc
    ) = 1
),

first_responses as (
    select
        thread_id,
        replied_at as first_response_at,
        replied_by as first_responder
    from turns_answered
    where turn_number = 1
),

turn_counts as (
    select
        thread_id,
        count(*) as turn_count,
        count(replied_at) as answered_turn_count,
        count(case when is_collision then 1 end) as collision_turns
    from turns_answered
    group by 1
),

threads_joined as (
    select
        thread_messages.mailbox_address,
        thread_messages.conversation_id,
        thread_messages.thread_id,
        thread_messages.subject,
        customers.customer_address,
        case when thread_messages.first_direction = 'inbound' then 'customer' else 'team' end as initiated_by,
        thread_messages.started_at,
        thread_messages.first_inbound_at,
        first_responses.first_response_at,
        first_responses.first_responder,
        last_responses.last_response_at,
        last_responses.last_responder,
        thread_messages.last_message_at,
        thread_messages.last_direction,
        thread_messages.inbound_count,
        thread_messages.outbound_count,
        coalesce(turn_counts.turn_count, 0) as turn_count,
        coalesce(turn_counts.answered_turn_count, 0) as answered_turn_count,
        coalesce(turn_counts.collision_turns, 0) as collision_turns
    from thread_messages
    left join customers
        on thread_messages.thread_id = customers.thread_id
    left join first_responses
        on thread_messages.thread_id = first_responses.thread_id
    left join last_responses
        on thread_messages.thread_id = last_responses.thread_id
    left join turn_counts
        on thread_messages.thread_id = turn_counts.thread_id
),

timed as (
    select
        threads_joined.*,
        {{ minutes_between('threads_joined.first_inbound_at', 'threads_joined.first_response_at') }}
            as first_response_minutes,
        {{ business_minutes_between('inbound_clock', 'threads_joined.first_inbound_at',
                                    'first_clock', 'threads_joined.first_response_at') }}
            as first_response_business_minutes,
        {{ minutes_between('threads_joined.first_inbound_at', 'threads_joined.last_response_at') }}
            as last_response_minutes,
        {{ business_minutes_between('inbound_clock', 'threads_joined.first_inbound_at',
                                    'last_clock', 'threads_joined.last_response_at') }}
            as last_response_business_minutes
    from threads_joined
    {{ business_clock_join('inbound_clock', 'threads_joined.mailbox_address', 'threads_joined.first_inbound_at') }}
    {{ business_clock_join('first_clock', 'threads_joined.mailbox_address', 'threads_joined.first_response_at') }}
    {{ business_clock_join('last_clock', 'threads_joined.mailbox_address', 'threads_joined.last_response_at') }}
)

select * from timed
