{#-
    One row per mailbox, local ISO weekday and local hour: inbound messages that arrived then,
    all time, and how many minutes of that hour the mailbox is open (holidays aside).
-#}
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

business_hours as (
    select * from {{ ref('stg_config__business_hours') }}
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
        mailbox_address,
        received_iso_dow as iso_dow,
        received_hour as local_hour,
        count(*) as inbound_messages,
        count(distinct received_date) as days_with_arrivals
    from messages
    where direction = 'inbound'
    group by 1, 2, 3
),

-- Minutes of each weekday-hour inside an opening range.
open_minutes as (
    select
        hour_slots.mailbox_address,
        hour_slots.iso_dow,
        hour_slots.local_hour,
        sum(
            greatest(
                0,
                least(business_hours.end_minute, hour_slots.local_hour * 60 + 60)
                - greatest(business_hours.start_minute, hour_slots.local_hour * 60)
            )
        ) as open_minutes
    from hour_slots
    inner join business_hours
        on
            hour_slots.mailbox_address = business_hours.mailbox_address
            and hour_slots.iso_dow = business_hours.iso_dow
    group by 1, 2, 3
),

aggregated as (
    select
        hour_slots.mailbox_address,
        hour_slots.iso_dow,
        hour_slots.local_hour,
        coalesce(arrivals.inbound_messages, 0) as inbound_messages,
        coalesce(arrivals.days_with_arrivals, 0) as days_with_arrivals,
        cast(coalesce(open_minutes.open_minutes, 0) as integer) as open_minutes,
        build_info.as_of
    from hour_slots
    cross join build_info
    left join arrivals
        on
            hour_slots.mailbox_address = arrivals.mailbox_address
            and hour_slots.iso_dow = arrivals.iso_dow
            and hour_slots.local_hour = arrivals.local_hour
    left join open_minutes
        on
            hour_slots.mailbox_address = open_minutes.mailbox_address
            and hour_slots.iso_dow = open_minutes.iso_dow
            and hour_slots.local_hour = open_minutes.local_hour
)

select * from aggregated
