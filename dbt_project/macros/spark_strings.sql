{#- dbt-spark's listagg drops the order (it warns "order_by_clause is not supported") and
    joins an empty list into '' where DuckDB gives null: Spark 4 has listagg ... within group,
    which keeps both as DuckDB does (the primary pollutants of an hour, in order). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not written for Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif -%}
{%- endmacro %}
