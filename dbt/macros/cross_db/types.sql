{#-
    Portable type names for casts, so that staging can say what a column is once:
        instant          a point in time (DuckDB timestamptz, Spark timestamp)
        local_timestamp  a wall-clock time (DuckDB timestamp, Spark timestamp read in UTC)
        text             DuckDB varchar, Spark string
        text_list        DuckDB varchar[], Spark array<string>
    Any other name (integer, bigint, double, boolean, date) is the same on both.
-#}
{% macro sql_type(name) -%}
{{ return(adapter.dispatch('sql_type', 'mailkpi')(name)) }}
{%- endmacro %}

{% macro default__sql_type(name) -%}
{{ {'instant': 'timestamptz', 'local_timestamp': 'timestamp', 'text': 'varchar',
    'text_list': 'varchar[]'}.get(name, name) }}
{%- endmacro %}

{% macro spark__sql_type(name) -%}
{{ {'instant': 'timestamp', 'local_timestamp': 'timestamp', 'text': 'string',
    'text_list': 'array<string>'}.get(name, name) }}
{%- endmacro %}

{#- Cast to a portable type; a value that does not convert becomes null instead of failing. -#}
{% macro safe_cast_as(expr, type_name) -%}
try_cast({{ expr }} as {{ sql_type(type_name) }})
{%- endmacro %}
