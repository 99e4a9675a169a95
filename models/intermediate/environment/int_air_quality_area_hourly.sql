{#- Hourly concentrations per area: each station, and each district as the mean over its
    stations that hour (how HJ 663 forms a city's value from its stations' values). -#}
with hourly as (
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
        delivery_date
    from {{ ref('int_air_quality_hourly_screened') }}
),

stations as (
    select
        station_id,
        district_code
    from {{ ref('dim_station') }}
),

station_areas as (
    select
        'station' as area_type,
        station_id as area_code,
        measured_at,
        date_day,
        pm25_ugm3,
        pm10_ugm3,
        so2_ugm3,
        no2_ugm3,
        o3_ugm3,
        co_mgm3,
        delivery_date
    from hourly
),

district_areas as (
    select
        'district' as area_type,
        stations.district_code as area_code,
        hourly.measured_at,
        hourly.date_day,
        {{ exact_avg('hourly.pm25_ugm3') }} as pm25_ugm3,
        {{ exact_avg('hourly.pm10_ugm3') }} as pm10_ugm3,
        {{ exact_avg('hourly.so2_ugm3') }} as so2_ugm3,
        {{ exact_avg('hourly.no2_ugm3') }} as no2_ugm3,
        {{ exact_avg('hourly.o3_ugm3') }} as o3_ugm3,
        {{ exact_avg('hourly.co_mgm3') }} as co_mgm3,
        max(hourly.delivery_date) as delivery_date
    from hourly
    inner join stations on hourly.station_id = stations.station_id
    where stations.district_code is not null
    group by stations.district_code, hourly.measured_at, hourly.date_day
),

areas as (
    select * from station_areas
    union all
    select * from district_areas
)

select * from areas
