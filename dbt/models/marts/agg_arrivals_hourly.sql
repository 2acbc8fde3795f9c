{#- One row per mailbox, local ISO weekday and local hour: inbound messages that arrived then, all time. -#}
with

messages as (
    select * from {{ ref('fct_messages') }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

slots as (
    select
        mailboxes.mailbox_address,
        {{ integer_series(1, 7) }} as iso_dow
    from mailboxes
),

hour_slots as (
    select
        mailbox_address,
        iso_dow,
        {{ integer_series(0, 23) }} as local_hour
    from slots
),

arrivals as (
    select
        messages.mailbox_address,
        cast({{ iso_day_of_week(utc_to_local('messages.received_at', 'mailboxes.timezone')) }} as integer) as iso_dow,
        cast(hour({{ utc_to_local('messages.received_at', 'mailboxes.timezone') }}) as integer) as local_hour,
        count(*) as inbound_messages,
        count(distinct cast({{ utc_to_local('messages.received_at', 'mailboxes.timezone') }} as date))
            as days_with_arrivals
    from messages
    inner join mailboxes on messages.mailbox_address = mailboxes.mailbox_address
    where messages.direction = 'inbound'
    group by 1, 2, 3
),

aggregated as (
    select
        hour_slots.mailbox_address,
        hour_slots.iso_dow,
        hour_slots.local_hour,
        coalesce(arrivals.inbound_messages, 0) as inbound_messages,
        coalesce(arrivals.days_with_arrivals, 0) as days_with_arrivals,
        build_info.as_of
    from hour_slots
    cross join build_info
    left join arrivals
        on
            hour_slots.mailbox_address = arrivals.mailbox_address
            and hour_slots.iso_dow = arrivals.iso_dow
            and hour_slots.local_hour = arrivals.local_hour
)

select * from aggregated
