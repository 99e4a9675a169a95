with source as (
    select * from {{ source('raw_transport', 'transport__bus_gps') }}
),

typed as (
    select
        vehicle_id,
        route_id,
        trip_id,
        cast(recorded_at as timestamp) as recorded_at,
        cast(lat as double) as latitude,
        cast(lon as double) as longitude,
        cast(speed_kmh as double) as speed_kmh,
        {{ lineage_columns() }}
    from source
)

select * from typed
