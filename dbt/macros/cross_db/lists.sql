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
