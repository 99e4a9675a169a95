{#- Sums and means of floating-point columns, computed exactly. DuckDB adds doubles in whatever
    order its threads finish, so a plain avg() of a double can differ in the last bits between
    two builds of the same rows, and a rebuilt day would then publish a "changed" dataset. As
    DECIMAL the sum is exact whatever the order. `scale` is the digits kept per value. -#}
{% macro exact_avg(expression, scale=6) -%}
    avg(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}

{% macro exact_sum(expression, scale=2) -%}
    sum(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}
