{#- Every column of the CTE or relation in the FROM clause except `columns`: DuckDB's
    `* exclude (…)`, Spark's `* except (…)`. -#}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'citybase')(columns)) }}
{%- endmacro %}

{% macro default__star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}
