{#- Date arithmetic on Spark that keeps local times local and counts as DuckDB does. The lake's
    times are local (timestamp_ntz); dbt-spark's dateadd and datediff go through Unix seconds
    and back, which shifts them by the session's offset (8 hours in Asia/Shanghai) and rounds
    differences up. Here dateadd keeps the value's own type, and datediff counts the unit's
    boundaries crossed, as DuckDB's date_diff does (the units the models use). -#}
{% macro spark__type_timestamp() -%}
    timestamp_ntz
{%- endmacro %}

{#- Spark's date_trunc returns a session-zone timestamp, which Parquet stores in UTC: truncated
    local times are cast back to local (timestamp_ntz), as DuckDB keeps them. -#}
{% macro spark__date_trunc(datepart, date) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) as timestamp_ntz)
{%- endmacro %}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set unit_seconds = {'second': 1, 'minute': 60, 'hour': 3600} -%}
    {%- if datepart in unit_seconds -%}
        {%- set unit = unit_seconds[datepart] -%}
        (floor(unix_timestamp({{ second_date }}) / {{ unit }})
            - floor(unix_timestamp({{ first_date }}) / {{ unit }}))
    {%- elif datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "datediff by " ~ datepart ~ " has no Spark implementation in citybase yet; add it "
            ~ "in dbt_project/macros/spark_dates.sql") }}
    {%- endif -%}
{%- endmacro %}
