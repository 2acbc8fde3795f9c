-- int_business_clock: per mailbox, each segment starts where the previous one ended, open and
-- closed alternate, and the clock advances by exactly the previous segment's open minutes.
with

business_clock as (
    select * from {{ ref('int_business_clock') }}
),

segments_with_previous as (
    select
        mailbox_address,
        segment_start_at,
        segment_end_at,
        is_open,
        business_minutes_before,
        lag(segment_end_at) over mailbox_timeline as previous_end_at,
        lag(is_open) over mailbox_timeline as previous_is_open,
        lag(business_minutes_before) over mailbox_timeline as previous_minutes_before,
        lag({{ minutes_between('segment_start_at', 'segment_end_at') }}) over mailbox_timeline as previous_minutes
    from business_clock
    window mailbox_timeline as (partition by mailbox_address order by segment_start_at)
),

broken_segments as (
    select *
    from segments_with_previous
    where
        segment_end_at <= segment_start_at
        or previous_end_at != segment_start_at
        or previous_is_open = is_open
        or business_minutes_before != previous_minutes_before
        + case when previous_is_open then previous_minutes else 0 end
)

select * from broken_segments
