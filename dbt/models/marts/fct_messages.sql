{{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}

with

messages_classified as (
    select * from {{ ref('int_messages_classified') }}
    where {{ in_scope() }}
),

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

business_hours as (
    select * from {{ ref('stg_config__business_hours') }}
),

holidays as (
    select * from {{ ref('stg_config__holidays') }}
),

-- A weekday's first opening and last closing (minutes after local midnight).
opening_days as (
    select
        mailbox_address,
        iso_dow,
        min(start_minute) as opens_minute,
        max(end_minute) as closes_minute
    from business_hours
    group by 1, 2
),

counted as (
    select
        messages_classified.mailbox_address,
        messages_classified.conversation_id,
        messages_classified.thread_id,
        messages_classified.internet_message_id,
        messages_classified.direction,
        messages_classified.from_address,
        messages_classified.sender_address,
        messages_classified.responder,
        messages_classified.received_at,
        messages_classified.sent_at,
        messages_classified.message_at,
        {{ local_date('messages_classified.message_at', 'mailboxes.timezone') }} as message_date,
        {{ local_date('messages_classified.received_at', 'mailboxes.timezone') }} as received_date,
        cast(hour({{ utc_to_local('messages_classified.received_at', 'mailboxes.timezone') }}) as integer)
            as received_hour,
        cast({{ iso_day_of_week(utc_to_local('messages_classified.received_at', 'mailboxes.timezone')) }} as integer)
            as received_iso_dow,
        cast(
            hour({{ utc_to_local('messages_classified.received_at', 'mailboxes.timezone') }}) * 60
            + minute({{ utc_to_local('messages_classified.received_at', 'mailboxes.timezone') }})
            as integer
        ) as received_minute_of_day,
        {{ local_date('messages_classified.sent_at', 'mailboxes.timezone') }} as sent_date,
        messages_classified.subject,
        messages_classified.folder_name,
        messages_classified.copy_count
    from messages_classified
    left join mailboxes
        on messages_classified.mailbox_address = mailboxes.mailbox_address
    where messages_classified.is_counted
),

-- Where an inbound message fell against the mailbox's business hours, local time
-- (metrics.md, "Business hours and SLA"): a holiday or a weekday without hours is closed
-- all day; otherwise before the first opening, inside a range, between two ranges, or
-- after the last closing.
arrivals_placed as (
    select
        counted.mailbox_address,
        counted.conversation_id,
        counted.thread_id,
        counted.internet_message_id,
        counted.direction,
        counted.from_address,
        counted.sender_address,
        counted.responder,
        counted.received_at,
        counted.sent_at,
        counted.message_at,
        counted.message_date,
        counted.received_date,
        counted.received_hour,
        counted.received_iso_dow,
        counted.sent_date,
        counted.subject,
        counted.folder_name,
        counted.copy_count,
        case
            when counted.direction <> 'inbound' then null
            when holidays.holiday_date is not null or opening_days.iso_dow is null then 'closed_day'
            when open_ranges.iso_dow is not null then 'open'
            when counted.received_minute_of_day < opening_days.opens_minute then 'before_opening'
            when counted.received_minute_of_day >= opening_days.closes_minute then 'after_closing'
            else 'break'
        end as received_hours_slot
    from counted
    left join holidays
        on
            counted.mailbox_address = holidays.mailbox_address
            and counted.received_date = holidays.holiday_date
    left join opening_days
        on
            counted.mailbox_address = opening_days.mailbox_address
            and counted.received_iso_dow = opening_days.iso_dow
    left join business_hours as open_ranges
        on
            counted.mailbox_address = open_ranges.mailbox_address
            and counted.received_iso_dow = open_ranges.iso_dow
            and counted.received_minute_of_day >= open_ranges.start_minute
            and counted.received_minute_of_day < open_ranges.end_minute
),

outside_hours_flagged as (
    select
        *,
        case when direction = 'inbound' then received_hours_slot <> 'open' end as is_received_outside_hours
    from arrivals_placed
)

select * from outside_hours_flagged
