{#-
    The rows of `model` with a null in any of `columns`: the `not_null` test of several columns
    in one scan and one dbt node, for a large table that every nightly build tests.
-#}
{% test not_null_columns(model, columns) %}

select *
from {{ model }}
where
    {% for column in columns -%}
    {{ column }} is null{% if not loop.last %} or {% endif %}
    {% endfor %}

{% endtest %}
