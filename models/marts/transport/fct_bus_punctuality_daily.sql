{#- Bus punctuality per route and service day: observed stop arrivals (from GPS) against the
    timetable. On time = between var on_time_early_seconds early and var on_time_late_seconds
    late (−1/+5 minutes by default). -#}
{{ config(**incremental_by_day('date_day')) }}

with arrivals as (
    select
        trip_id,
        service_date as date_day,
        delay_seconds,
        delivery_date
    from {{ ref('int_bus_stop_arrivals_detected') }}
),

arrivals_to_build as (
    select
        trip_id,
        date_day,
        delay_seconds
    from arrivals
    {{ days_to_build('arrivals', 'date_day') }}
),

with_route as (
    select
        arrivals_to_build.date_day,
        trips.route_id,
        arrivals_to_build.trip_id,
        arrivals_to_build.delay_seconds
    from arrivals_to_build
    inner join {{ ref('stg_transport__gtfs_trips') }} as trips
        on arrivals_to_build.trip_id = trips.trip_id
),

classified as (
    select
        date_day,
        route_id,
        trip_id,
        delay_seconds,
        case
            when delay_seconds < -{{ var('on_time_early_seconds') }} then 'early'
            when delay_seconds > {{ var('on_time_late_seconds') }} then 'late'
            else 'on_time'
        end as punctuality
    from with_route
),

final as (
    select
        date_day,
        route_id,
        count(distinct trip_id) as trips_observed,
        count(*) as stop_arrivals_observed,
        count(case when punctuality = 'on_time' then 1 end) as stop_arrivals_on_time,
        count(case when punctuality = 'early' then 1 end) as stop_arrivals_early,
        count(case when punctuality = 'late' then 1 end) as stop_arrivals_late,
        avg(case when punctuality = 'on_time' then 1e0 else 0e0 end) as on_time_share,
        avg(delay_seconds) as mean_delay_seconds
    from classified
    group by date_day, route_id
)

select * from final
