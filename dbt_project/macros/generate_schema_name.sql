{#- Layers get their own schema named exactly as configured (staging, intermediate, marts),
    not dbt's default "<target>_<custom>", so analysts query marts.fct_… -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
