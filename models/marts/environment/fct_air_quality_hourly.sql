{#- Hourly air quality per station with its AQI (HJ 633-2012; see int_air_quality_hourly_indexed
    for which breakpoints apply). Concentrations in µg/m³, CO in mg/m³. -#}
{{ config(**incremental_by_day('date_day')) }}

with hours as (
    select
        station_id,
        measured_at,
        date_day,
        pm25_ugm3,
        pm10_ugm3,
        so2_ugm3,
        no2_ugm3,
        o3_ugm3,
        co_mgm3,
        iaqi_pm25,
        iaqi_pm10,
        iaqi_so2,
        iaqi_no2,
        iaqi_o3,
        iaqi_co,
        aqi,
        primary_pollutant,
        aqi_level,
        delivery_date
    from {{ ref('int_air_quality_hourly_indexed') }}
),

hours_to_build as (
    select
        station_id,
        measured_at,
        date_day,
        pm25_ugm3 as pm25,
        pm10_ugm3 as pm10,
        so2_ugm3 as so2,
        no2_ugm3 as no2,
        o3_ugm3 as o3,
        co_mgm3 as co,
        iaqi_pm25,
        iaqi_pm10,
        iaqi_so2,
        iaqi_no2,
        iaqi_o3,
        iaqi_co,
        aqi,
        primary_pollutant,
        aqi_level
    from hours
    {{ days_to_build('hours', 'date_day') }}
),

final as (
    select
        hours_to_build.station_id,
        hours_to_build.measured_at,
        hours_to_build.date_day,
        stations.district_code,
        hours_to_build.pm25,
        hours_to_build.pm10,
        hours_to_build.so2,
        hours_to_build.no2,
        hours_to_build.o3,
        hours_to_build.co,
        hours_to_build.iaqi_pm25,
        hours_to_build.iaqi_pm10,
        hours_to_build.iaqi_so2,
        hours_to_build.iaqi_no2,
        hours_to_build.iaqi_o3,
        hours_to_build.iaqi_co,
        hours_to_build.aqi,
        hours_to_build.primary_pollutant,
        hours_to_build.aqi_level
    from hours_to_build
    left join {{ ref('dim_station') }} as stations
        on hours_to_build.station_id = stations.station_id
)

select * from final
