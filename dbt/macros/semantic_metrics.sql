{#-
    Period aggregates from the semantic layer's definitions (the `semantic_models` and
    `metrics` of dbt/models/marts/fct_*.yml), read from dbt's graph when the model runs.

    metric_period_plan([(column, metric), ...]) returns
      groups: one per fact and local time dimension, {name, fact, time, agent, inputs}, each
              input a measure {alias, agg, expr, percentile, filters} aggregated by mailbox and
              period (and by `agent`, the SQL of the fact's agent entity) in that group;
      columns: column -> the SQL of the metric over those groups' columns (simple: the
              aggregate, counts 0 when the period has no row; ratio: numerator / denominator,
              null when the denominator is 0).
    Simple and ratio metrics of one semantic model's measures, filtered on that model's own
    dimensions: what the project defines.
-#}
{% macro metric_period_plan(columns) -%}
{#- At parse time (dbt's, sqlfluff's) there is no graph: a skeleton of the same shape. -#}
{%- if not execute -%}
{%- set columns_sql = {} -%}
{%- for column, metric_name in columns -%}
{%- do columns_sql.update({column: 'null'}) -%}
{%- endfor -%}
{{ return({'columns': columns_sql, 'groups': [{'name': 'fct_messages_by_message_date', 'fact': 'fct_messages',
    'time': 'message_date', 'agent': 'responder', 'inputs': [{'alias': 'messages', 'agg': 'sum', 'expr': '1', 'filters': []}]}]}) }}
{%- endif -%}
{%- set plan = {'groups': [], 'columns': {}} -%}
{%- set measures = {} -%}
{%- for model in graph.semantic_models.values() -%}
{%- set fact = model.depends_on.nodes[0].split('.')[-1] -%}
{%- set agent = model.entities | selectattr('name', 'equalto', 'agent') | map(attribute='expr') | first -%}
{%- for measure in model.measures -%}
{%- do measures.update({measure.name: {
    'fact': fact,
    'agent': agent,
    'agg': measure.agg,
    'expr': measure.expr or measure.name,
    'time': measure.agg_time_dimension or model.defaults.agg_time_dimension,
    'percentile': (measure.agg_params or {}).get('percentile'),
}}) -%}
{%- endfor -%}
{%- endfor -%}
{%- set metrics = {} -%}
{%- for metric in graph.metrics.values() -%}
{%- do metrics.update({metric.name: metric}) -%}
{%- endfor -%}
{%- set groups = {} -%}
{%- for column, metric_name in columns -%}
{%- set metric = metrics[metric_name] -%}
{%- if metric.type == 'simple' -%}
{%- set parts = [('', metric_name)] -%}
{%- elif metric.type == 'ratio' -%}
{%- set parts = [('__numerator', metric.type_params.numerator.name),
    ('__denominator', metric.type_params.denominator.name)] -%}
{%- else -%}
{{ exceptions.raise_compiler_error(column ~ ': metric ' ~ metric_name ~ ' is ' ~ metric.type
    ~ '; period aggregates take simple and ratio metrics') }}
{%- endif -%}
{%- set sqls = [] -%}
{%- for suffix, part_name in parts -%}
{%- set part = metrics[part_name] -%}
{%- set measure = measures[part.type_params.measure.name] -%}
{%- set filters = metric_filters(part) -%}
{%- for where in (metric_filters(metric) if part_name != metric_name else []) -%}
{%- if where not in filters -%}{%- do filters.append(where) -%}{%- endif -%}
{%- endfor -%}
{%- set key = measure.fact ~ '_by_' ~ measure.time -%}
{%- if key not in groups -%}
{%- do groups.update({key: {'name': key, 'fact': measure.fact, 'time': measure.time,
    'agent': measure.agent, 'inputs': []}}) -%}
{%- do plan.groups.append(groups[key]) -%}
{%- endif -%}
{%- set alias = column ~ suffix -%}
{%- do groups[key].inputs.append({'alias': alias, 'agg': measure.agg, 'expr': measure.expr,
    'percentile': measure.percentile, 'filters': filters}) -%}
{%- do sqls.append((key ~ '.' ~ alias, measure.agg)) -%}
{%- endfor -%}
{%- if metric.type == 'ratio' -%}
{%- do plan.columns.update({column: 'cast(' ~ sqls[0][0] ~ ' as double) / nullif(' ~ sqls[1][0] ~ ', 0)'}) -%}
{%- elif sqls[0][1] == 'sum' -%}
{%- do plan.columns.update({column: 'cast(coalesce(' ~ sqls[0][0] ~ ', 0) as bigint)'}) -%}
{%- else -%}
{%- do plan.columns.update({column: sqls[0][0]}) -%}
{%- endif -%}
{%- endfor -%}
{{ return(plan) }}
{%- endmacro %}

{#- A metric's filters as SQL on its fact's own columns: "{{ Dimension('thread__initiated_by') }}"
    is the column initiated_by. -#}
{% macro metric_filters(metric) -%}
{%- set found = [] -%}
{%- for where in ((metric.filter or {}).get('where_filters') or []) -%}
{%- do found.append(modules.re.sub(
    "[{][{] *(?:Time)?Dimension[(] *'(?:[a-z0-9_]+?__)?([a-z0-9_]+)'(?: *, *'[a-z]+')? *[)] *[}][}]",
    "\\1",
    where.where_sql_template,
)) -%}
{%- endfor -%}
{{ return(found) }}
{%- endmacro %}

{#- The aggregate of one measure over a group's rows, its filters applied to the rows. -#}
{% macro measure_aggregate(input) -%}
{%- set value = input.expr if not input.filters
    else 'case when ' ~ (input.filters | join(' and ')) ~ ' then ' ~ input.expr ~ ' end' -%}
{%- if input.agg == 'sum' -%} sum({{ value }})
{%- elif input.agg == 'average' -%} avg({{ value }})
{%- elif input.agg == 'median' -%} {{ median_of(value) }}
{%- elif input.agg == 'percentile' -%} {{ percentile_of(value, input.percentile) }}
{%- else -%} {{ exceptions.raise_compiler_error('measure aggregation ' ~ input.agg ~ ' is not supported here') }}
{%- endif -%}
{%- endmacro %}

{#- The facts the metrics read, and one CTE per group of the plan: its measures by mailbox
    (and by the fact's agent entity as `responder` when `by_agent`) and the `period` (day,
    week, month) of its local time dimension; the CTEs before a model's own. -#}
{% macro metric_group_ctes(plan, period, by_agent=false) -%}
fct_messages as (
    select * from {{ ref('fct_messages') }}
),

fct_threads as (
    select * from {{ ref('fct_threads') }}
),

fct_replies as (
    select * from {{ ref('fct_replies') }}
),
{% for group in plan.groups %}
{{ group.name }} as (
    select
        {{ group.fact }}.mailbox_address
{%- for agent in ([group.agent] if by_agent else []) %},
        {{ group.fact }}.{{ agent }} as responder
{%- endfor %},
        cast(date_trunc('{{ period }}', {{ group.fact }}.{{ group.time }}) as date) as period_start
{%- for input in group.inputs %},
        {{ measure_aggregate(input) }} as {{ input.alias }}
{%- endfor %}
    from {{ group.fact }}
    where {{ group.fact }}.{{ group.time }} is not null
    group by {{ '1, 2, 3' if by_agent else '1, 2' }}
),
{% endfor %}
{%- endmacro %}
