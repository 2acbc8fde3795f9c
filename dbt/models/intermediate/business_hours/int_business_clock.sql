{#-
    Per mailbox, the calendar as alternating open and closed segments (UTC instants), with the
    business minutes elapsed before each one. Local business hours become UTC instants day by
    day, so daylight-saving changes move them; holidays open no interval at all.
-#}
with

mailboxes as (
    select * from {{ ref('stg_config__mailboxes') }}
),

business_hours as (
    select * from {{ ref('stg_config__business_hours') }}
),

holidays as (
    select * from {{ ref('stg_config__holidays') }}
),

build_info as (
    select * from {{ ref('stg_config__build_info') }}
),

message_observations as (
    select * from {{ ref('stg_msgraph__message_observations') }}
),

first_messages as (
    select min(coalesce(received_at, sent_at)) as first_message_at
    from message_observations
),

calendar_dates as (
    select
        {{ plus_days(local_date('coalesce(first_messages.first_message_at, build_info.as_of)', "'UTC'"),
                     '-' ~ var('calendar_days_before')) }} as first_date,
        {{ plus_days(local_date('build_info.as_of', "'UTC'"), var('calendar_days_after')) }} as last_date
    from build_info
    cross join first_messages
),

mailbox_calendars as (
    select
        mailboxes.mailbox_address,
        mailboxes.timezone,
        calendar_dates.first_date,
        calendar_dates.last_date,
        {{ local_to_utc('cast(calendar_dates.first_date as timestamp)', 'mailboxes.timezone') }} as calendar_start_at,
        {{ local_to_utc('cast(' ~ plus_days('calendar_dates.last_date', 1) ~ ' as timestamp)', 'mailboxes.timezone')
        }} as calendar_end_at
    from mailboxes
    cross join calendar_dates
),

local_days as (
    select
        mailbox_address,
        timezone,
        calendar_start_at,
        calendar_end_at,
        {{ day_series('first_date', 'last_date') }} as local_date
    from mailbox_calendars
),

open_intervals as (
    select
        local_days.mailbox_address,
        greatest(
            local_days.calendar_start_at,
            {{ local_to_utc(plus_minutes('cast(local_days.local_date as timestamp)', 'business_hours.start_minute'),
                            'local_days.timezone') }}
        ) as open_at,
        least(
            local_days.calendar_end_at,
            {{ local_to_utc(plus_minutes('cast(local_days.local_date as timestamp)', 'business_hours.end_minute'),
                            'local_days.timezone') }}
        ) as close_at
    from local_days
    inner join business_hours
        on
            local_days.mailbox_address = business_hours.mailbox_address
            and {{ iso_day_of_week('local_days.local_date') }} = business_hours.iso_dow
    left join holidays
        on
            local_days.mailbox_address = holidays.mailbox_address
            and local_days.local_date = holidays.holiday_date
    where holidays.holiday_date is null
),

-- an interval made empty by the spring-forward gap opens nothing
non_empty_open_intervals as (
    select * from open_intervals
    where close_at > open_at
),

-- intervals that touch or overlap (a range ending at 24:00 and the next day's range starting
-- at 00:00, or the autumn repeat hour) merge into one open segment
open_intervals_flagged as (
    select
        mailbox_address,
        open_at,
        close_at,
        coalesce(
            open_at > max(close_at) over (
                partition by mailbox_address order by open_at, close_at
                rows between unbounded preceding and 1 preceding
            ),
            true
        ) as starts_segment
    from non_empty_open_intervals
),

open_intervals_numbered as (
    select
        mailbox_address,
        open_at,
        close_at,
        sum(case when starts_segment then 1 else 0 end) over (
            partition by mailbox_address order by open_at, close_at
            rows between unbounded preceding and current row
        ) as segment_number
    from open_intervals_flagged
),

open_segments as (
    select
        mailbox_address,
        segment_number,
        min(open_at) as segment_start_at,
        max(close_at) as segment_end_at
    from open_intervals_numbered
    group by 1, 2
),

-- the open segments framed by zero-length markers at the calendar start and end: the gaps
-- between successive rows are the closed segments
segment_frames as (
    select
        mailbox_address,
        segment_start_at,
        segment_end_at
    from open_segments
    union all
    select
        mailbox_address,
        calendar_start_at as segment_start_at,
        calendar_start_at as segment_end_at
    from mailbox_calendars
    union all
    select
        mailbox_address,
        calendar_end_at as segment_start_at,
        calendar_end_at as segment_end_at
    from mailbox_calendars
),

closed_segments as (
    select
        mailbox_address,
        lag(segment_end_at) over (
            partition by mailbox_address order by segment_start_at, segment_end_at
        ) as segment_start_at,
        segment_start_at as segment_end_at
    from segment_frames
),

segments as (
    select
        mailbox_address,
        segment_start_at,
        segment_end_at,
        true as is_open
    from open_segments
    union all
    select
        mailbox_address,
        segment_start_at,
        segment_end_at,
        false as is_open
    from closed_segments
    where segment_end_at > segment_start_at
),

segments_clocked as (
    select
        mailbox_address,
        segment_start_at,
        segment_end_at,
        is_open,
        coalesce(
            sum(
                case when is_open then {{ minutes_between('segment_start_at', 'segment_end_at') }} else 0 end
            ) over (
                partition by mailbox_address order by segment_start_at
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as business_minutes_before
    from segments
)

select * from segments_clocked
