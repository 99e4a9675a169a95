{#- Daily AQI per station (HJ 633-2012; see int_air_quality_daily_indexed for the averaging
    rules). Concentrations in µg/m³, CO in mg/m³. -#}
{{ config(**incremental_by_day('date_day')) }}

with days as (
    select
        area_code as station_id,
        date_day,
        delivery_date,
        {{ daily_aqi_columns() }}
    from {{ ref('int_air_quality_daily_indexed') }}
    where area_type = 'station'
),

final as (
    select
        date_day,
        station_id,
        {{ daily_aqi_columns() }}
    from days
    {{ days_to_build('days', 'date_day') }}
)

select * from final
