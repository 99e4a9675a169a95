with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__stops') }}
),

typed as (
    select
        stop_id,
        stop_code,
        stop_name,
        cast(stop_lat as double) as stop_lat,
        cast(stop_lon as double) as stop_lon,
        zone_id,
        coalesce(cast(location_type as integer), 0) as location_type,
        parent_station,
        cast(wheelchair_boarding as integer) as wheelchair_boarding,
        {{ lineage_columns() }}
    from source
)

select * from typed
