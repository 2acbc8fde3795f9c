{#-
    The combinations of `columns` that more than one row of `model` has: `unique` of several
    columns, grouped by the columns themselves (nulls alike, as in `group by`), not by a text
    built from them, which at a million rows was most of the test's time.
-#}
{% test unique_columns(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
