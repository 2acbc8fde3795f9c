{#-
    Spark: expose every dbt source (schemas `raw` and `config`) as an external table over the
    Parquet files of the lake folder MAILKPI_LAKE, `<lake>/<schema>/<table>/` (the layout of
    dlt's filesystem destination). Re-created on every run, so that the table schema follows
    the files: a column that a later load added appears (mergeSchema). Each table needs at
    least one Parquet file, an empty one with the schema will do, for Spark to read its columns.

    Run first in a build, as an `on-run-start` hook or `dbt run-operation register_lake_sources`.
    Without MAILKPI_LAKE it does nothing: on DuckDB dlt loads the sources into the database
    file, and a catalog whose `raw` tables dlt loads itself (Databricks) needs no registering.
    Dropping an external table drops only its metadata; never set MAILKPI_LAKE for a catalog
    whose `raw` tables are managed ones.
-#}
{% macro register_lake_sources(lake=none) -%}
{%- set lake = lake or env_var('MAILKPI_LAKE', '') -%}
{%- if execute and lake and target.type != 'duckdb' -%}
{%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
{%- set table = source.schema ~ '.' ~ source.identifier -%}
{%- do run_query('create database if not exists ' ~ source.schema) -%}
{%- do run_query('drop table if exists ' ~ table) -%}
{%- set location = lake.rstrip('/') ~ '/' ~ source.schema ~ '/' ~ source.identifier -%}
{%- set options = "options (mergeSchema 'true') location '" ~ location ~ "'" -%}
{%- do run_query('create table ' ~ table ~ ' using parquet ' ~ options) -%}
{%- endfor -%}
{%- endif -%}
{%- endmacro %}
