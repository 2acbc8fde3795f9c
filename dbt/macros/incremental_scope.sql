{#-
    Incremental by scope (docs/performance.md, "Incremental by scope"): a model recomputes only
    the keys a scope model lists (the message copies or conversations the night touched) from
    its complete inputs, then replaces exactly those keys' rows. A key whose rows are all gone
    (a message that now speaks for another conversation, say) is deleted too, which dbt's
    delete+insert, keyed on the new rows alone, would leave behind. The strategy is this
    project's incremental materialization (duckdb_materializations.sql).
    On DuckDB only: Spark's Parquet tables take no delete, so there the models stay tables.

    Usage, at the top of a model keyed on its thread (thread_id):

        {{ incremental_by_scope('int_conversations_touched', ['thread_id']) }}
        with
        threads as (
            select * from {{ ref('int_threads_summarized') }}
            where {{ in_scope() }}
        ), ...
-#}

{% macro incremental_by_scope(scope_model, keys) -%}
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='replace_scope',
    unique_key=keys,
    scope_model=scope_model,
    on_schema_change='fail'
) }}
{%- if model.resource_type == 'unit_test' %}
{#- A unit test's config holds none of the model's settings: in_scope reads them here. The
    scope is one of its inputs when it sets is_incremental; without, it reads no scope. -#}
{%- do model.update({'scope_keys': keys, 'scope_model': scope_model}) %}
{%- else %}
-- depends_on: {{ ref(scope_model) }}
{%- endif %}
{%- endmacro %}

{#-
    True for the rows of the keys in scope on an incremental run, every row otherwise.
    `columns`: the expressions that hold the keys, when not the key columns themselves.
-#}
{% macro in_scope(columns=none) -%}
{%- if is_incremental() -%}
{%- set keys = model.get('scope_keys') or config.require('unique_key') -%}
{%- set scope_model = model.get('scope_model') or config.require('scope_model') -%}
({{ (columns or keys) | join(', ') }}) in (
    select {{ keys | join(', ') }} from {{ ref(scope_model) }}
)
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#-
    The copies, with their whole history of states, of the messages in `messages` (a relation
    with mailbox_address and internet_message_id): the rows a copy's history model reads.
-#}
{% macro is_copy_of(messages) -%}
(mailbox_address, store_address, message_id) in (
    select
        states.mailbox_address,
        states.store_address,
        states.message_id
    from {{ ref('int_message_states') }} as states
    where
        (states.mailbox_address, states.message_key)
        in (select mailbox_address, internet_message_id from {{ messages }})
)
{%- endmacro %}

{#-
    Whether this build reads a scope at all: not on a full refresh, which rebuilds every
    model whole, nor on Spark, whose models are tables. The scope models are empty otherwise.
-#}
{% macro builds_by_scope() -%}
{{ return(target.type == 'duckdb' and not flags.FULL_REFRESH) }}
{%- endmacro %}

{#- When this dbt invocation started: the rows an incremental model appends carry it. -#}
{% macro build_started_at() -%}
cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00:00' as {{ sql_type('instant') }})
{%- endmacro %}

{#-
    The previous build's table `name` (in this model's schema) as it stands before this build
    replaces it, for a scope model; none when the build reads no scope or the table does not
    exist yet. The table must depend on the scope model, so that dbt runs the scope first.
-#}
{% macro previous_build(name) -%}
{%- if not builds_by_scope() -%}
{{ return(none) }}
{%- endif -%}
{{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=name)) }}
{%- endmacro %}
