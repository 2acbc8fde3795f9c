{#-
    Time arithmetic the business-hours clock needs, kept here so that the engine-specific
    functions live in one place (DuckDB today; a Spark port changes only these bodies).
-#}

{#- Wall-clock timestamp (no zone) of a UTC instant in an IANA time zone. -#}
{% macro local_timestamp(instant, time_zone) -%}
timezone({{ time_zone }}, {{ instant }})
{%- endmacro %}

{#-
    UTC instant of a local wall-clock timestamp. A time in the spring-forward gap is moved on
    by the gap (02:30 that does not exist -> 03:30 summer time); a time in the autumn repeat
    hour is taken as its second (standard-time) occurrence.
-#}
{% macro local_to_instant(local_ts, time_zone) -%}
timezone({{ time_zone }}, {{ local_ts }})
{%- endmacro %}

{#- Exact minutes from one instant to another (negative when end_at is earlier). -#}
{% macro elapsed_minutes(start_at, end_at) -%}
(epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 60000000
{%- endmacro %}

{#- A timestamp plus a whole number of minutes. -#}
{% macro add_minutes(ts, minutes) -%}
({{ ts }} + to_minutes({{ minutes }}))
{%- endmacro %}

{#- ISO day of week of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(day) -%}
isodow({{ day }})
{%- endmacro %}

{#- Set-returning select-list expression: one row per date from first_date to last_date. -#}
{% macro date_series(first_date, last_date) -%}
cast(unnest(generate_series({{ first_date }}, {{ last_date }}, interval 1 day)) as date)
{%- endmacro %}
