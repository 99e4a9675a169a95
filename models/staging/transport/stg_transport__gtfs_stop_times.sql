with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__stop_times') }}
),

typed as (
    select
        trip_id,
        cast(stop_sequence as integer) as stop_sequence,
        stop_id,
        {{ gtfs_time_seconds('coalesce(arrival_time, departure_time)') }} as arrival_seconds,
        {{ gtfs_time_seconds('coalesce(departure_time, arrival_time)') }} as departure_seconds,
        coalesce(cast(pickup_type as integer), 0) as pickup_type,
        coalesce(cast(drop_off_type as integer), 0) as drop_off_type,
        {{ lineage_columns() }}
    from source
)

select * from typed
