{#- The raw layer on an engine that reads the lake (orchestration/landing/lake.py) rather than
    the DuckDB file: `dbt run-operation register_raw_lake --target spark` before the build
    (the session's metastore keeps them), and each dbt source of the raw schema becomes an
    external Parquet table over its folder, with the columns and types its YAML declares
    (generated from the standards) and partitioned by _source and _partition_date as the
    folders are (each build gives every raw table its folder, an empty one for a standard no
    source has delivered yet, and the register of bureaus: lake.prepare_for_build).
    DuckDB's raw tables live in its warehouse file: nothing to do there. -#}
{% macro register_raw_lake() -%}
    {{ return(adapter.dispatch('register_raw_lake', 'citybase')()) }}
{%- endmacro %}

{% macro default__register_raw_lake() -%}
{%- endmacro %}

{% macro spark__lake_type(data_type) -%}
    {{- {'varchar': 'string', 'timestamp': 'timestamp_ntz'}.get(data_type, data_type) -}}
{%- endmacro %}

{% macro spark__register_raw_lake() -%}
    {%- if execute -%}
        {%- set lake = env_var('CITYBASE_HOME', '../data') ~ '/lake/raw' -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- set table = 'raw.' ~ source.identifier -%}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark__lake_type(column.data_type)) -%}
            {%- endfor -%}
            {%- if source.identifier.startswith('_') -%}
                {%- set partitioning = '' -%}
            {%- else -%}
                {%- do columns.extend([
                    '_source_file string', '_row_number bigint', '_loaded_at timestamp_ntz',
                    '_source string', '_partition_date date']) -%}
                {%- set partitioning = ' partitioned by (_source, _partition_date)' -%}
            {%- endif -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query(
                'create table ' ~ table ~ ' (' ~ columns | join(', ') ~ ') using parquet'
                ~ partitioning ~ " location '" ~ lake ~ '/' ~ source.identifier ~ "'") -%}
            {%- if partitioning -%}
                {%- do run_query('msck repair table ' ~ table) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
