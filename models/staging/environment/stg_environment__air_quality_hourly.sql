with source as (
    select * from {{ source('raw_environment', 'environment__air_quality_hourly') }}
),

typed as (
    select
        station_id,
        cast(measured_at as timestamp) as measured_at,
        cast(pm25 as double) as pm25_ugm3,
        cast(pm10 as double) as pm10_ugm3,
        cast(so2 as double) as so2_ugm3,
        cast(no2 as double) as no2_ugm3,
        cast(o3 as double) as o3_ugm3,
        cast(co as double) as co_mgm3,
        {{ lineage_columns() }}
    from source
)

select * from typed
