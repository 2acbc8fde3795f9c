{#-
    The business-hours clock: for a mailbox and an instant, the business minutes elapsed since
    the start of its calendar (int_business_clock). Business minutes between a and b are
    clock(b) - clock(a), so no duration ever needs a row per minute or per day.

    Usage, in a model that has a mailbox_address and two instants per row:

        select
            t.*,
            {{ business_minutes_between('start_clock', 't.turn_started_at',
                                        'end_clock', 't.replied_at') }} as reply_business_minutes
        from turns as t
        {{ business_clock_join('start_clock', 't.mailbox_address', 't.turn_started_at') }}
        {{ business_clock_join('end_clock', 't.mailbox_address', 't.replied_at') }}

    The join is an ASOF join (macros/cross_db/asof_join.sql: the segment that contains the
    instant), so it goes after the other joins of the from clause. An instant that is null,
    or earlier than the calendar start, gets a null clock; instants after the calendar end
    count no further business minutes.
-#}

{#- ASOF-join the clock segment that contains instant `ts` of mailbox `mailbox_address`. -#}
{% macro business_clock_join(clock_alias, mailbox_address, ts) -%}
{{ asof_left_join(ref('int_business_clock'), clock_alias, mailbox_address, 'mailbox_address', ts, 'segment_start_at') }}
{%- endmacro %}

{#- Clock value (business minutes since the calendar start) at `ts`, given its joined segment. -#}
{% macro business_clock_minutes(clock_alias, ts) -%}
({{ clock_alias }}.business_minutes_before
+ case
    when {{ clock_alias }}.is_open
        then {{ minutes_between(clock_alias ~ '.segment_start_at',
                                'least(' ~ ts ~ ', ' ~ clock_alias ~ '.segment_end_at)') }}
    else 0
end)
{%- endmacro %}

{#- Business minutes from start_ts to end_ts, each with its own joined clock segment. -#}
{% macro business_minutes_between(start_clock_alias, start_ts, end_clock_alias, end_ts) -%}
({{ business_clock_minutes(end_clock_alias, end_ts) }}
- {{ business_clock_minutes(start_clock_alias, start_ts) }})
{%- endmacro %}
