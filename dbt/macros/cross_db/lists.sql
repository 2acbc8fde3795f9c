{#-
    Lists of text (addresses, categories, topics): DuckDB `varchar[]`, Spark `array<string>`.
    The raw layer stores them as JSON text; staging turns them into lists once.
-#}

{#- A JSON array of strings in a text column as a list (null stays null). -#}
{% macro text_list_from_json(json_text) -%}
{{ return(adapter.dispatch('text_list_from_json', 'mailkpi')(json_text)) }}
{%- endmacro %}

{% macro default__text_list_from_json(json_text) -%}
cast(cast({{ json_text }} as json) as varchar[])
{%- endmacro %}

{% macro spark__text_list_from_json(json_text) -%}
from_json({{ json_text }}, 'array<string>')
{%- endmacro %}

{#- Whether a list holds a value (null when the list is null). -#}
{% macro list_has(list, value) -%}
{{ return(adapter.dispatch('list_has', 'mailkpi')(list, value)) }}
{%- endmacro %}

{% macro default__list_has(list, value) -%}
list_contains({{ list }}, {{ value }})
{%- endmacro %}

{% macro spark__list_has(list, value) -%}
array_contains({{ list }}, {{ value }})
{%- endmacro %}

{#- Number of elements (null when the list is null). -#}
{% macro list_size(list) -%}
{{ return(adapter.dispatch('list_size', 'mailkpi')(list)) }}
{%- endmacro %}

{% macro default__list_size(list) -%}
len({{ list }})
{%- endmacro %}

{#- size(null) is -1 unless ANSI mode is on, and dbt-spark turns it off. -#}
{% macro spark__list_size(list) -%}
case when {{ list }} is not null then size({{ list }}) end
{%- endmacro %}

{#- The elements joined into one text with `separator` (a SQL string literal); nulls skipped. -#}
{% macro list_to_text(list, separator) -%}
{{ return(adapter.dispatch('list_to_text', 'mailkpi')(list, separator)) }}
{%- endmacro %}

{% macro default__list_to_text(list, separator) -%}
array_to_string({{ list }}, {{ separator }})
{%- endmacro %}

{% macro spark__list_to_text(list, separator) -%}
array_join({{ list }}, {{ separator }})
{%- endmacro %}

{#- An empty list of text, e.g. coalesce(topics, {{ empty_text_list() }}). -#}
{% macro empty_text_list() -%}
{{ return(adapter.dispatch('empty_text_list', 'mailkpi')()) }}
{%- endmacro %}

{% macro default__empty_text_list() -%}
cast([] as varchar[])
{%- endmacro %}

{% macro spark__empty_text_list() -%}
cast(array() as array<string>)
{%- endmacro %}

{#- Whether two lists share an element. -#}
{% macro lists_overlap(list, other_list) -%}
{{ return(adapter.dispatch('lists_overlap', 'mailkpi')(list, other_list)) }}
{%- endmacro %}

{% macro default__lists_overlap(list, other_list) -%}
list_has_any({{ list }}, {{ other_list }})
{%- endmacro %}

{% macro spark__lists_overlap(list, other_list) -%}
arrays_overlap({{ list }}, {{ other_list }})
{%- endmacro %}

{#- Set-returning select-list expression: one row per element (none for an empty or null list). -#}
{% macro unnest_list(list) -%}
{{ return(adapter.dispatch('unnest_list', 'mailkpi')(list)) }}
{%- endmacro %}

{% macro default__unnest_list(list) -%}
unnest({{ list }})
{%- endmacro %}

{% macro spark__unnest_list(list) -%}
explode({{ list }})
{%- endmacro %}

{#-
    A raw list column as a list of text. dlt's duckdb destination stores a list as JSON text;
    its filesystem destination (the Spark lake) keeps it a Parquet list.
-#}
{% macro raw_text_list(column) -%}
{{ return(adapter.dispatch('raw_text_list', 'mailkpi')(column)) }}
{%- endmacro %}

{% macro default__raw_text_list(column) -%}
{{ text_list_from_json(column) }}
{%- endmacro %}

{% macro spark__raw_text_list(column) -%}
cast({{ column }} as array<string>)
{%- endmacro %}
