{#- Tests of an incremental model check the days the night rebuilt, not its whole history: on a
    nightly run (run_date() set), a generic test on an incremental model rebuilt by day
    (incremental_by_day) reads the days days_to_build rebuilt: run_date(), the day before and,
    when the model carries delivery_date, the days that night's delivery was late for. Older
    days were tested on the nights that built them, so a night's tests do not grow with
    history. A hand-run `dbt build` (no run_date()) tests every row. A test's own `where` still applies.
    dbt calls this macro for the model argument of every generic test. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set scope = days_built_scope() -%}
    {%- if scope -%}
        {%- do conditions.append('(' ~ scope ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return(
            '(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery'
        ) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro days_built_scope() -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') if execute else none -%}
    {%- if not (run_date() and tested and tested.config.materialized == 'incremental') -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set day = incremental_day_column(tested.config) -%}
    {%- if day is not string or day not in tested.columns -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set delivery = 'delivery_date' if 'delivery_date' in tested.columns else none -%}
    {%- do return(built_days_condition(tested.relation_name, day, delivery) | trim) -%}
{%- endmacro %}
