{#-
    Earlier names of two cross-database macros (macros/cross_db/), still used by some models.
    New code calls minutes_between() and local_date() / utc_to_local() directly.
-#}

{#- Wall-clock timestamp (no zone) of a UTC instant in an IANA time zone. -#}
{% macro local_timestamp(instant, time_zone) -%}
{{ utc_to_local(instant, time_zone) }}
{%- endmacro %}

{#- Exact minutes from one instant to another (negative when end_at is earlier). -#}
{% macro elapsed_minutes(start_at, end_at) -%}
{{ minutes_between(start_at, end_at) }}
{%- endmacro %}
