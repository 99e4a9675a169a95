{#- GTFS times are "H:MM:SS" counted from noon minus 12 h of the service day and may pass
    24:00:00 for trips that run after midnight: seconds since the service day's start. -#}
{% macro gtfs_time_seconds(column) -%}
    (
        cast({{ dbt.split_part(column, "':'", 1) }} as integer) * 3600
        + cast({{ dbt.split_part(column, "':'", 2) }} as integer) * 60
        + cast({{ dbt.split_part(column, "':'", 3) }} as integer)
    )
{%- endmacro %}

{#- A service day's start plus seconds, as a timestamp. -#}
{% macro service_timestamp(service_date, seconds) -%}
    {{ dbt.dateadd('second', seconds, 'cast(' ~ service_date ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}

{#- GTFS dates are YYYYMMDD text. -#}
{% macro gtfs_date(column) -%}
    cast(
        substring({{ column }}, 1, 4) || '-' || substring({{ column }}, 5, 2)
        || '-' || substring({{ column }}, 7, 2)
        as date
    )
{%- endmacro %}

{#- Seconds since the service day's start as GTFS "HH:MM:SS" (hours may pass 24). -#}
{% macro seconds_to_gtfs_time(seconds) -%}
    {%- set text = dbt.type_string() -%}
    (
        lpad(cast(cast(floor({{ seconds }} / 3600) as integer) as {{ text }}), 2, '0')
        || ':' || lpad(cast(cast(floor(mod({{ seconds }}, 3600) / 60) as integer) as {{ text }}), 2, '0')
        || ':' || lpad(cast(cast(mod({{ seconds }}, 60) as integer) as {{ text }}), 2, '0')
    )
{%- endmacro %}
