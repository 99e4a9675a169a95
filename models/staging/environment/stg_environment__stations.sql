with source as (
    select * from {{ source('raw_environment', 'environment__stations') }}
),

typed as (
    select
        station_id,
        station_name,
        division_code,
        station_type,
        cast(lat as double) as latitude,
        cast(lon as double) as longitude,
        {{ lineage_columns() }}
    from source
)

select * from typed
