{#- One row per day from start_date to end_date inclusive, column date_day.
    Engine-specific (series generators differ), hence dispatched: add `<adapter>__date_spine`
    for another warehouse. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'citybase')(start_date, end_date)) }}
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date) -%}
    select cast(generate_series as date) as date_day
    from generate_series(
        cast('{{ start_date }}' as date), cast('{{ end_date }}' as date), interval 1 day
    )
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    {{ exceptions.raise_compiler_error(
        "date_spine has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__date_spine in dbt_project/macros/date_spine.sql") }}
{%- endmacro %}

{% macro spark__date_spine(start_date, end_date) -%}
    select explode(
        sequence(to_date('{{ start_date }}'), to_date('{{ end_date }}'), interval 1 day)
    ) as date_day
{%- endmacro %}
