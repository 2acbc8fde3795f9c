{#-
    Instants and local wall-clock time in an IANA zone (the mailbox's `timezone`).

    An instant is DuckDB `timestamptz`; on Spark a `timestamp` read in the session time zone,
    which the profile pins to UTC. A local time is DuckDB `timestamp`; on Spark a `timestamp`
    whose UTC reading is the wall clock, so `cast(... as date)` gives the local date on both.
-#}

{#- Wall-clock timestamp of a UTC instant in time zone `time_zone`. -#}
{% macro utc_to_local(instant, time_zone) -%}
{{ return(adapter.dispatch('utc_to_local', 'mailkpi')(instant, time_zone)) }}
{%- endmacro %}

{% macro default__utc_to_local(instant, time_zone) -%}
timezone({{ time_zone }}, {{ instant }})
{%- endmacro %}

{% macro spark__utc_to_local(instant, time_zone) -%}
from_utc_timestamp({{ instant }}, {{ time_zone }})
{%- endmacro %}

{#-
    UTC instant of a wall-clock timestamp in time zone `time_zone`. A time in the spring-forward
    gap moves on by the gap (02:30 that does not exist -> 03:30 summer time); a time in the
    autumn repeat hour is its second (standard-time) occurrence, as in DuckDB.
-#}
{% macro local_to_utc(local_ts, time_zone) -%}
{{ return(adapter.dispatch('local_to_utc', 'mailkpi')(local_ts, time_zone)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_ts, time_zone) -%}
timezone({{ time_zone }}, {{ local_ts }})
{%- endmacro %}

{#-
    Spark (java.time) takes the first occurrence of a repeated time; the same wall clock read
    again an hour later (half an hour on Lord Howe Island) is the second, DuckDB's, occurrence.
-#}
{% macro spark__local_to_utc(local_ts, time_zone) -%}
{%- set first = 'to_utc_timestamp(' ~ local_ts ~ ', ' ~ time_zone ~ ')' -%}
case
    when from_utc_timestamp({{ first }} + interval 1 hour, {{ time_zone }}) = {{ local_ts }}
        then {{ first }} + interval 1 hour
    when from_utc_timestamp({{ first }} + interval 30 minutes, {{ time_zone }}) = {{ local_ts }}
        then {{ first }} + interval 30 minutes
    else {{ first }}
end
{%- endmacro %}

{#- Local calendar date of a UTC instant. -#}
{% macro local_date(instant, time_zone) -%}
cast({{ utc_to_local(instant, time_zone) }} as date)
{%- endmacro %}
