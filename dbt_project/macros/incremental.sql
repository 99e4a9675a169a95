{#- The days an incremental event fact rebuilds on a nightly run of `run_date`: that day, the
    day before it, and every earlier day for which that night's delivery carried late rows. Use
    as the WHERE clause of a CTE that has the fact's day column and the staging delivery_date.

    The day before is rebuilt because some of its rows complete only with the next day's data
    (a journey that alights after midnight, a late correction): so its figures are final once
    the next night has run, and building a range twice gives the same warehouse as once.

    Without run_date (a hand-run `dbt build`) or on the first build, every day is built. -#}
{% macro days_to_build(cte, day_column, delivery_column='delivery_date') -%}
    {%- set run_date = var('run_date', '') -%}
    {%- if is_incremental() and run_date -%}
        where {{ day_column }} between cast('{{ run_date }}' as date) - 1
            and cast('{{ run_date }}' as date)
            or {{ day_column }} in (
                select late.{{ day_column }} from {{ cte }} as late
                where late.{{ delivery_column }} = cast('{{ run_date }}' as date)
            )
    {%- endif -%}
{%- endmacro %}
