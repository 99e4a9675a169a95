{#- Tests of an incremental model check the days the night rebuilt, not its whole history: on a
    nightly run (var run_date set), a generic test on an incremental model whose unique_key is
    its day column reads only run_date and the day before (see days_to_build), and, when the
    model carries delivery_date, the days that night's delivery was late for. Older days were
    tested on the nights that built them, so a night's tests do not grow with history. A
    hand-run `dbt build` (no run_date) tests every row. A test's own `where` still applies.
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
    {%- set run_date = var('run_date', '') -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') if execute else none -%}
    {%- if not (run_date and tested and tested.config.materialized == 'incremental') -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set day = tested.config.unique_key -%}
    {%- if day is not string or day not in tested.columns -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set night = "cast('" ~ run_date ~ "' as date)" -%}
    {%- set scope = day ~ ' >= ' ~ night ~ ' - 1' -%}
    {%- if 'delivery_date' in tested.columns -%}
        {%- set scope = scope ~ ' or ' ~ day ~ ' in (select late.' ~ day ~ ' from '
            ~ tested.relation_name ~ ' as late where late.delivery_date = ' ~ night ~ ')' -%}
    {%- endif -%}
    {%- do return(scope) -%}
{%- endmacro %}
