{#- One row per scheduled trip: route, direction, service and its first and last stop times. -#}
with trips as (
    select
        trip_id,
        route_id,
        service_id,
        coalesce(direction_id, 0) as direction_id
    from {{ ref('stg_transport__gtfs_trips') }}
),

stop_times as (
    select
        trip_id,
        arrival_seconds,
        departure_seconds
    from {{ ref('stg_transport__gtfs_stop_times') }}
),

trip_times as (
    select
        trip_id,
        min(departure_seconds) as first_departure_seconds,
        max(arrival_seconds) as last_arrival_seconds,
        count(*) as stop_count
    from stop_times
    group by trip_id
),

summarised as (
    select
        trips.trip_id,
        trips.route_id,
        trips.service_id,
        trips.direction_id,
        trip_times.first_departure_seconds,
        trip_times.last_arrival_seconds,
        trip_times.stop_count,
        trip_times.last_arrival_seconds - trip_times.first_departure_seconds as duration_seconds
    from trips
    inner join trip_times on trips.trip_id = trip_times.trip_id
)

select * from summarised
