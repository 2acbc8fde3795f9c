{#-
    One row per mailbox, responder and local day with activity: outbound messages sent,
    threads first responded, and reply times of the turns answered that day. Send As
    replies (no known agent) are the "shared mailbox" responder: responder is null there.
-#}
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

sent_days as (
    select
        messages.mailbox_address,
        messages.responder,
        cast({{ utc_to_local('messages.sent_at', 'mailboxes.timezone') }} as date) as period_start,
        count(*) as replies
    from messages
    inner join mailboxes on messages.mailbox_address = mailboxes.mailbox_address
    where messages.direction = 'outbound'
    group by 1, 2, 3
),

first_response_days as (
    select
        threads.mailbox_address,
        threads.first_responder as responder,
        cast({{ utc_to_local('threads.first_response_at', 'mailboxes.timezone') }} as date) as period_start,
        count(*) as threads_first_responded
    from threads
    inner join mailboxes on threads.mailbox_address = mailboxes.mailbox_address
    where threads.first_response_at is not null and threads.initiated_by = 'customer'
    group by 1, 2, 3
),

answer_days as (
    select
        mailbox_address,
        replied_by as responder,
        replied_date as period_start,
        count(*) as answered_turns,
        avg(reply_minutes) as avg_reply_minutes,
        median(reply_minutes) as median_reply_minutes,
        avg(reply_business_minutes) as avg_reply_business_minutes
    from replies
    where replied_at is not null
    group by 1, 2, 3
),

agent_days as (
    select
        mailbox_address,
        responder,
        period_start
    from sent_days
    union
    select
        mailbox_address,
        responder,
        period_start
    from first_response_days
    union
    select
        mailbox_address,
        responder,
        period_start
    from answer_days
),

aggregated as (
    select
        agent_days.mailbox_address,
        agent_days.responder,
        agent_days.period_start,
        coalesce(sent_days.replies, 0) as replies,
        coalesce(first_response_days.threads_first_responded, 0) as threads_first_responded,
        coalesce(answer_days.answered_turns, 0) as answered_turns,
        answer_days.avg_reply_minutes,
        answer_days.median_reply_minutes,
        answer_days.avg_reply_business_minutes,
        build_info.as_of
    from agent_days
    cross join build_info
    left join sent_days
        on
            agent_days.mailbox_address = sent_days.mailbox_address
            and agent_days.responder is not distinct from sent_days.responder
            and agent_days.period_start = sent_days.period_start
    left join first_response_days
        on
            agent_days.mailbox_address = first_response_days.mailbox_address
            and agent_days.responder is not distinct from first_response_days.responder
            and agent_days.period_start = first_response_days.period_start
    left join answer_days
        on
            agent_days.mailbox_address = answer_days.mailbox_address
            and agent_days.responder is not distinct from answer_days.responder
            and agent_days.period_start = answer_days.period_start
)

select * from aggregated
