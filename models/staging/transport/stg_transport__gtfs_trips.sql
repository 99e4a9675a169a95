with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__trips') }}
),

typed as (
    select
        trip_id,
        route_id,
        service_id,
        trip_headsign,
        cast(direction_id as integer) as direction_id,
        shape_id,
        {{ lineage_columns() }}
    from source
)

select * from typed
