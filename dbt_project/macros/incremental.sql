{#- The night being built: CITYBASE_RUN_DATE, which the nightly build sets, or var run_date for a
    hand-run `dbt build --vars '{run_date: 2026-10-01}'`; empty when neither is set (every day is
    built). Read only when dbt executes, never while it parses: a var that changes re-parses the
    whole project and an environment variable read at parse time the files that read it (6 s a
    night either way), so the nightly sets the environment variable and parsing never sees it. -#}
{% macro run_date() -%}
    {%- if not execute -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- do return(var('run_date', '') or env_var('CITYBASE_RUN_DATE', '')) -%}
{%- endmacro %}

{#- The days an incremental model rebuilds on a nightly run of `run_date()`: that day, the day
    before it, and every earlier day for which that night's delivery carried late rows. Use as
    the WHERE clause of a CTE that has the model's day column and the staging delivery_date.

    The day before is rebuilt because some of its rows complete only with the next day's data
    (a journey that alights after midnight, a late correction): so its figures are final once
    the next night has run, and building a range twice gives the same warehouse as once.

    `days_after` widens the window for a model whose day needs the following days' rows as
    input (a journey boarded before midnight pairs with a tap of the next day): rows of the
    days to build and of the `days_after` days after each are kept. Such a model must narrow
    its output to the days to build again (`days_to_build` with the default of 0).

    Without run_date() (a hand-run `dbt build`) or on the first build, every day is built. -#}
{% macro days_to_build(cte, day_column, delivery_column='delivery_date', days_after=0) -%}
    {%- if is_incremental() and run_date() -%}
        where {{ built_days_condition(cte, day_column, delivery_column, days_after) }}
    {%- endif -%}
{%- endmacro %}

{#- The condition of days_to_build on its own, also used to scope a night's tests to the days
    it built (test_scope.sql). `source` is a CTE or a relation; without a delivery_column the
    late days are left out. Needs run_date(). -#}
{% macro built_days_condition(source, day_column, delivery_column='delivery_date', days_after=0) -%}
    {%- set night = "cast('" ~ run_date() ~ "' as date)" -%}
    {{ day_column }} between {{ night }} - 1 and {{ night }}
            {{- ' + ' ~ days_after if days_after }}
    {%- if delivery_column -%}
        {%- for shift in range(days_after + 1) %}
            or {{ day_column }}{{ ' - ' ~ shift if shift }} in (
                select late.{{ day_column }} from {{ source }} as late
                where late.{{ delivery_column }} = {{ night }}
            )
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of every incremental model (dbt_project.yml): on a nightly run, the days the model
    rebuilds are emptied first, so that a day the new batch has no rows for (a feed replaced by
    one that does not serve it, a corrected delivery with nothing in it) does not keep the old
    rows; replacing by day alone replaces only the days present in the batch. meta
    rebuilds_days_before says how many days before run_date() the model rebuilds
    (days_to_build: 1). Late days are present in the batch by construction. -#}
{% macro clear_rebuilt_days() -%}
    {%- if model.config.materialized == 'incremental' and is_incremental() and run_date() -%}
        {%- set before = config.get('meta', {}).get('rebuilds_days_before', 1) -%}
        {{ adapter.dispatch('clear_days', 'citybase')(
            this, incremental_day_column(config), run_date(), before) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__clear_days(relation, day_column, night, before) -%}
    {%- set night = "cast('" ~ night ~ "' as date)" -%}
    delete from {{ relation }}
    where {{ day_column }} between {{ night }} - {{ before }} and {{ night }}
{%- endmacro %}

{#- A Parquet table on Spark cannot delete rows; its days are partitions, dropped whole. -#}
{% macro spark__clear_days(relation, day_column, night, before) -%}
    {%- set last = modules.datetime.date.fromisoformat(night) -%}
    {%- set partitions = [] -%}
    {%- for back in range(before, -1, -1) -%}
        {%- set day = last - modules.datetime.timedelta(days=back) -%}
        {%- do partitions.append("partition (" ~ day_column ~ " = date'" ~ day ~ "')") -%}
    {%- endfor -%}
    alter table {{ relation }} drop if exists {{ partitions | join(', ') }}
{%- endmacro %}

{#- The day column of a model configured by incremental_by_day, whatever the engine. -#}
{% macro incremental_day_column(node_config) -%}
    {%- set partition_by = node_config.get('partition_by') -%}
    {%- if partition_by is string -%}
        {%- set partition_by = [partition_by] -%}
    {%- endif -%}
    {%- do return(node_config.get('unique_key') or (partition_by or [none])[0]) -%}
{%- endmacro %}

{#- The configuration of a model rebuilt by day (days_to_build): each night replaces the days it
    builds, whole. Dispatched, since engines replace differently: DuckDB deletes the days and
    inserts them again (delete+insert on the day column); Spark overwrites the days' partitions
    of a Parquet table (insert_overwrite, partitioned by the day column). Use as
    `{{ config(**incremental_by_day('date_day')) }}`. -#}
{% macro incremental_by_day(day_column) -%}
    {{ return(adapter.dispatch('incremental_by_day', 'citybase')(day_column)) }}
{%- endmacro %}

{% macro default__incremental_by_day(day_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': day_column,
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{% macro spark__incremental_by_day(day_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [day_column],
        'file_format': 'parquet',
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}
