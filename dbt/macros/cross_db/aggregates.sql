{#- Aggregates whose names or semantics differ between DuckDB and Spark. -#}

{#-
    Continuous percentile (linear interpolation between the two nearest values, nulls
    ignored) of a numeric expression; `fraction` in [0, 1]. DuckDB quantile_cont and Spark
    percentile compute the same exact value.
-#}
{% macro percentile_of(expr, fraction) -%}
{{ return(adapter.dispatch('percentile_of', 'mailkpi')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_of(expr, fraction) -%}
quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_of(expr, fraction) -%}
percentile({{ expr }}, {{ fraction }})
{%- endmacro %}

{#- Median: the continuous 0.5 percentile. -#}
{% macro median_of(expr) -%}
{{ percentile_of(expr, 0.5) }}
{%- endmacro %}

{#- The distinct non-null values of a text expression as a sorted list ([] when there are none). -#}
{% macro sorted_distinct_list(expr) -%}
{{ return(adapter.dispatch('sorted_distinct_list', 'mailkpi')(expr)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expr) -%}
list_sort(list_distinct(list({{ expr }})))
{%- endmacro %}

{% macro spark__sorted_distinct_list(expr) -%}
array_sort(collect_set({{ expr }}))
{%- endmacro %}

{#-
    Window function head: the last non-null value of `expr` so far in the window's order, e.g.
        {{ last_non_null('folder_id') }} over (partition by ... order by ... rows between
            unbounded preceding and current row)
-#}
{% macro last_non_null(expr) -%}
{{ return(adapter.dispatch('last_non_null', 'mailkpi')(expr)) }}
{%- endmacro %}

{% macro default__last_non_null(expr) -%}
last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__last_non_null(expr) -%}
last_value({{ expr }}, true)
{%- endmacro %}

{#-
    The non-null value of `expr` on the row with the smallest / largest `order_by`, ignoring
    rows where either is null. DuckDB's arg_min / min_by skip a null `expr`; Spark's min_by
    would return it, so there the ordering of such rows is nulled away.
-#}
{% macro min_by_non_null(expr, order_by) -%}
{{ return(adapter.dispatch('min_by_non_null', 'mailkpi')(expr, order_by)) }}
{%- endmacro %}

{% macro default__min_by_non_null(expr, order_by) -%}
arg_min({{ expr }}, {{ order_by }})
{%- endmacro %}

{% macro spark__min_by_non_null(expr, order_by) -%}
min_by({{ expr }}, case when {{ expr }} is not null then {{ order_by }} end)
{%- endmacro %}

{% macro max_by_non_null(expr, order_by) -%}
{{ return(adapter.dispatch('max_by_non_null', 'mailkpi')(expr, order_by)) }}
{%- endmacro %}

{% macro default__max_by_non_null(expr, order_by) -%}
arg_max({{ expr }}, {{ order_by }})
{%- endmacro %}

{% macro spark__max_by_non_null(expr, order_by) -%}
max_by({{ expr }}, case when {{ expr }} is not null then {{ order_by }} end)
{%- endmacro %}
