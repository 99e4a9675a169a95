{#- Daily AQI per district (HJ 633-2012; see int_air_quality_daily_indexed for the averaging
    rules). Concentrations in µg/m³, CO in mg/m³. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='date_day',
    on_schema_change='append_new_columns',
) }}

with days as (
    select
        area_code as district_code,
        date_day,
        hours_reported,
        pm25_24h_ugm3,
        pm10_24h_ugm3,
        so2_24h_ugm3,
        no2_24h_ugm3,
        co_24h_mgm3,
        o3_1h_max_ugm3,
        o3_8h_max_ugm3,
        iaqi_pm25,
        iaqi_pm10,
        iaqi_so2,
        iaqi_no2,
        iaqi_co,
        iaqi_o3_1h,
        iaqi_o3_8h,
        aqi,
        primary_pollutant,
        aqi_level,
        delivery_date
    from {{ ref('int_air_quality_daily_indexed') }}
    where area_type = 'district'
),

final as (
    select
        date_day,
        district_code,
        hours_reported,
        pm25_24h_ugm3,
        pm10_24h_ugm3,
        so2_24h_ugm3,
        no2_24h_ugm3,
        co_24h_mgm3,
        o3_1h_max_ugm3,
        o3_8h_max_ugm3,
        iaqi_pm25,
        iaqi_pm10,
        iaqi_so2,
        iaqi_no2,
        iaqi_co,
        iaqi_o3_1h,
        iaqi_o3_8h,
        aqi,
        primary_pollutant,
        aqi_level
    from days
    {{ days_to_build('days', 'date_day') }}
)

select * from final
