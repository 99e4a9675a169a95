with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__routes') }}
),

typed as (
    select
        route_id,
        agency_id,
        route_short_name,
        route_long_name,
        cast(route_type as integer) as route_type,
        route_color,
        {{ lineage_columns() }}
    from source
)

select * from typed
