{#- Scheduled service per route and service day from the GTFS feed. Built for run_date() on a
    nightly run; a full build covers every feed day up to it (every feed day without one).
    Headway per band = band length / departures in the band, averaged over the directions that
    run in it (var service_time_bands). -#}
{{ config(meta={'rebuilds_days_before': 0}, **incremental_by_day('date_day')) }}

{%- set night = run_date() %}
{%- set bands = var('service_time_bands') %}

with service_days as (
    select
        service_id,
        date_day
    from {{ ref('int_gtfs_service_days_expanded') }}
    {%- if is_incremental() and night %}
        where date_day = cast('{{ night }}' as date)
    {%- elif night %}
        where date_day <= cast('{{ night }}' as date)
    {%- endif %}
),

trips as (
    select
        trip_id,
        route_id,
        service_id,
        direction_id,
        first_departure_seconds,
        last_arrival_seconds,
        duration_seconds
    from {{ ref('int_gtfs_trips_summarised') }}
),

day_trips as (
    select
        service_days.date_day,
        trips.route_id,
        trips.direction_id,
        trips.first_departure_seconds,
        trips.duration_seconds
    from service_days
    inner join trips on service_days.service_id = trips.service_id
),

per_route as (
    select
        date_day,
        route_id,
        count(*) as trips,
        sum(duration_seconds) / 3600e0 as service_hours,
        min(first_departure_seconds) as first_departure_seconds,
        max(first_departure_seconds) as last_departure_seconds
    from day_trips
    group by date_day, route_id
),

per_direction_band as (
    select
        date_day,
        route_id,
        direction_id,
        {%- for band, hours in bands.items() %}
            count(
                case
                    when
                        first_departure_seconds >= {{ hours[0] * 3600 }}
                        and first_departure_seconds < {{ hours[1] * 3600 }}
                        then 1
                end
            ) as departures_{{ band }},
        {%- endfor %}
        count(*) as departures
    from day_trips
    group by date_day, route_id, direction_id
),

headways as (
    select
        date_day,
        route_id,
        {%- for band, hours in bands.items() %}
            avg(
                case
                    when departures_{{ band }} > 0
                        then {{ (hours[1] - hours[0]) * 60 }} * 1e0 / departures_{{ band }}
                end
            ) as headway_{{ band }}_minutes,
        {%- endfor %}
        count(*) as directions
    from per_direction_band
    group by date_day, route_id
),

final as (
    select
        per_route.date_day,
        per_route.route_id,
        per_route.trips,
        per_route.service_hours,
        per_route.first_departure_seconds,
        per_route.last_departure_seconds,
        {%- for band in bands %}
            headways.headway_{{ band }}_minutes,
        {%- endfor %}
        {{ seconds_to_gtfs_time('per_route.first_departure_seconds') }} as first_departure_time,
        {{ seconds_to_gtfs_time('per_route.last_departure_seconds') }} as last_departure_time
    from per_route
    inner join headways
        on per_route.date_day = headways.date_day and per_route.route_id = headways.route_id
)

select * from final
