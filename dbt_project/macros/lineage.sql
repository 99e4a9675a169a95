{#- Where a staged row came from: its source (the contract), the delivery day, the landed file
    and its line or record number. Quality reports and quarantine joins trace rows back to the
    bureau's file with these. -#}
{% macro lineage_columns() -%}
    _source as source,
    _partition_date as delivery_date,
    _source_file as source_file,
    _row_number as source_row_number
{%- endmacro %}

{#- Whole years between a birth date and an event, for age bands without keeping birth dates. -#}
{% macro age_in_years(birth_date, at) -%}
    (
        extract(year from {{ at }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ at }}) * 100 + extract(day from {{ at }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}

{#- Age bands used across health and government-service marts (those of China's health
    statistics yearbook summaries); 'unknown' where the ID number gave no valid birth date. -#}
{% macro age_band(age_years) -%}
    case
        when {{ age_years }} is null or {{ age_years }} < 0 then 'unknown'
        when {{ age_years }} < 15 then '0-14'
        when {{ age_years }} < 45 then '15-44'
        when {{ age_years }} < 65 then '45-64'
        else '65+'
    end
{%- endmacro %}
