{#-
    A struct of named fields from a mapping of field name -> SQL expression, in the mapping's
    order, e.g. struct_of({'is_unusable': 'is_unusable', 'store_address': 'store_address'}).
    Structs compare field by field in both engines, so min() / max() of one picks the smallest
    / largest row by a multi-column ordering in a hash aggregate; read a field back with
    `.name`. A null field sorts as it would in `order by ... asc` on each engine (last in
    DuckDB, first in Spark).
-#}
{% macro struct_of(fields) -%}
{{ return(adapter.dispatch('struct_of', 'mailkpi')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
struct_pack({% for name, expr in fields.items() %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
named_struct({% for name, expr in fields.items() %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
