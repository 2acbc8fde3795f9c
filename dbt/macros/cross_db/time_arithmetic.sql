{#- Durations, calendar steps and date series that read the same on DuckDB and Spark. -#}

{#- Exact minutes from one timestamp to another, fractional (negative when end_at is earlier). -#}
{% macro minutes_between(start_at, end_at) -%}
{{ return(adapter.dispatch('minutes_between', 'mailkpi')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__minutes_between(start_at, end_at) -%}
((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 60000000.0)
{%- endmacro %}

{#- A double, as DuckDB's: Spark divides by the literal 60000000.0 as a decimal. -#}
{% macro spark__minutes_between(start_at, end_at) -%}
(cast(unix_micros({{ end_at }}) - unix_micros({{ start_at }}) as double) / 60000000)
{%- endmacro %}

{#- A timestamp plus a whole number of minutes (negative goes back). -#}
{% macro plus_minutes(ts, minutes) -%}
{{ return(adapter.dispatch('plus_minutes', 'mailkpi')(ts, minutes)) }}
{%- endmacro %}

{% macro default__plus_minutes(ts, minutes) -%}
({{ ts }} + to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}

{% macro spark__plus_minutes(ts, minutes) -%}
timestampadd(minute, {{ minutes }}, {{ ts }})
{%- endmacro %}

{#- A date plus a whole number of days. -#}
{% macro plus_days(day, days) -%}
{{ return(adapter.dispatch('plus_days', 'mailkpi')(day, days)) }}
{%- endmacro %}

{% macro default__plus_days(day, days) -%}
cast({{ day }} + cast({{ days }} as integer) as date)
{%- endmacro %}

{% macro spark__plus_days(day, days) -%}
date_add({{ day }}, {{ days }})
{%- endmacro %}

{#- Whole days from start_date to end_date. -#}
{% macro days_between(start_date, end_date) -%}
{{ return(adapter.dispatch('days_between', 'mailkpi')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
(cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{#- ISO day of week of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(day) -%}
{{ return(adapter.dispatch('iso_day_of_week', 'mailkpi')(day)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(day) -%}
isodow({{ day }})
{%- endmacro %}

{% macro spark__iso_day_of_week(day) -%}
(weekday({{ day }}) + 1)
{%- endmacro %}

{#- Monday of the ISO week of a date (a date). -#}
{% macro iso_week_start(day) -%}
{{ return(adapter.dispatch('iso_week_start', 'mailkpi')(day)) }}
{%- endmacro %}

{% macro default__iso_week_start(day) -%}
cast(date_trunc('week', cast({{ day }} as date)) as date)
{%- endmacro %}

{% macro spark__iso_week_start(day) -%}
trunc(cast({{ day }} as date), 'week')
{%- endmacro %}

{#- First day of the month of a date (a date). -#}
{% macro month_start(day) -%}
{{ return(adapter.dispatch('month_start', 'mailkpi')(day)) }}
{%- endmacro %}

{% macro default__month_start(day) -%}
cast(date_trunc('month', cast({{ day }} as date)) as date)
{%- endmacro %}

{% macro spark__month_start(day) -%}
trunc(cast({{ day }} as date), 'month')
{%- endmacro %}

{#-
    Set-returning select-list expression: one row per date from first_date to last_date,
    both included (no row when last_date is earlier). The date spine of the calendar models:
        select m.mailbox_address, {{ day_series('m.first_day', 'm.last_day') }} as day from m
-#}
{% macro day_series(first_date, last_date) -%}
{{ return(adapter.dispatch('day_series', 'mailkpi')(first_date, last_date)) }}
{%- endmacro %}

{% macro default__day_series(first_date, last_date) -%}
cast(unnest(generate_series(
    cast({{ first_date }} as date), cast({{ last_date }} as date), interval 1 day
)) as date)
{%- endmacro %}

{#- sequence() with a start after its stop counts down, so an empty range is made empty. -#}
{% macro spark__day_series(first_date, last_date) -%}
explode(case
    when cast({{ first_date }} as date) <= cast({{ last_date }} as date)
        then sequence(cast({{ first_date }} as date), cast({{ last_date }} as date), interval 1 day)
    else array()
end)
{%- endmacro %}

{#-
    Set-returning select-list expression: the first dates of the `period` ('day', 'week' or
    'month') from first_start to last_start, both period starts themselves (see iso_week_start,
    month_start); no row when last_start is earlier.
-#}
{% macro period_starts(first_start, last_start, period) -%}
{{ return(adapter.dispatch('period_starts', 'mailkpi')(first_start, last_start, period)) }}
{%- endmacro %}

{% macro default__period_starts(first_start, last_start, period) -%}
cast(unnest(generate_series(
    cast({{ first_start }} as timestamp), cast({{ last_start }} as timestamp), interval 1 {{ period }}
)) as date)
{%- endmacro %}

{% macro spark__period_starts(first_start, last_start, period) -%}
explode(case
    when cast({{ first_start }} as date) <= cast({{ last_start }} as date)
        then sequence(cast({{ first_start }} as date), cast({{ last_start }} as date), interval 1 {{ period }})
    else array()
end)
{%- endmacro %}

{#- Set-returning select-list expression: one row per integer from first to last, both included. -#}
{% macro integer_series(first, last) -%}
{{ return(adapter.dispatch('integer_series', 'mailkpi')(first, last)) }}
{%- endmacro %}

{% macro default__integer_series(first, last) -%}
cast(unnest(generate_series({{ first }}, {{ last }})) as integer)
{%- endmacro %}

{% macro spark__integer_series(first, last) -%}
explode(case when {{ first }} <= {{ last }} then sequence({{ first }}, {{ last }}) else array() end)
{%- endmacro %}
