{#-
    The rows of `model` with a null in any of `columns`: the `not_null` test of several columns
    in one scan and one dbt node, for a large table that every nightly build tests.
    `null_allowed_where`: column -> the condition under which that column may be null.
-#}
{% test not_null_columns(model, columns, null_allowed_where={}) %}

select *
from {{ model }}
where
    {% for column in columns -%}
    ({{ column }} is null
    {%- if column in null_allowed_where %} and not coalesce({{ null_allowed_where[column] }}, false){% endif -%}
    ){% if not loop.last %} or {% endif %}
    {% endfor %}

{% endtest %}
