{#- Hourly concentrations, one row per station and hour (a re-sent hour kept once, the latest
    delivery wins), with values no analyser can report (negative, or above var
    air_quality_plausible_max) set to empty so that they cannot reach an index. -#}
{%- set limits = var('air_quality_plausible_max') %}

with ranked as (
    select
        station_id,
        measured_at,
        pm25_ugm3,
        pm10_ugm3,
        so2_ugm3,
        no2_ugm3,
        o3_ugm3,
        co_mgm3,
        delivery_date,
        row_number() over (
            partition by station_id, measured_at
            order by delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_environment__air_quality_hourly') }}
),

screened as (
    select
        station_id,
        measured_at,
        cast(measured_at as date) as date_day,
        {%- for column, limit in limits.items() %}
            case when {{ column }} between 0 and {{ limit }} then {{ column }} end as {{ column }},
        {%- endfor %}
        delivery_date
    from ranked
    where recency = 1
)

select * from screened
