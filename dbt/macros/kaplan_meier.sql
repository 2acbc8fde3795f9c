{#-
    The Kaplan-Meier (product-limit) survival curve of `relation`, one row per group of
    `partition_by` and distinct `time_column` value: `step_time`, `events` (rows whose
    `event_column` is true at that time), `at_risk` (rows whose time is at least that time:
    a row censored at a time is still at risk at it) and `survival` = the product over the
    times up to this one of (1 - events / at_risk). Rows with a null time take no part.

    Used for the first response of threads still waiting (censored at as_of):
    agg_first_response_survival, docs/metrics.md ("Honest response time").
-#}
{% macro kaplan_meier(relation, partition_by, time_column, event_column) -%}
{%- set groups = partition_by | join(', ') -%}
select
    {{ groups }},
    step_time,
    events,
    at_risk,
    case
        -- everyone left at risk had the event: the curve drops to 0 (the log is undefined)
        when max(case when events = at_risk then 1 else 0 end) over steps_so_far = 1 then 0.0
        else exp(sum(case when events > 0 then ln(1.0 - events / at_risk) else 0.0 end) over steps_so_far)
    end as survival
from (
    select
        *,
        sum(leaving) over (
            partition by {{ groups }} order by step_time desc rows between unbounded preceding and current row
        ) as at_risk
    from (
        select
            {{ groups }},
            {{ time_column }} as step_time,
            cast(sum(case when {{ event_column }} then 1 else 0 end) as double) as events,
            count(*) as leaving
        from {{ relation }}
        where {{ time_column }} is not null
        group by {{ groups }}, {{ time_column }}
    ) as steps
) as steps_at_risk
window steps_so_far as (
    partition by {{ groups }} order by step_time rows between unbounded preceding and current row
)
{%- endmacro %}
