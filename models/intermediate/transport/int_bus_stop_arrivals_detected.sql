{#- When each bus actually reached each scheduled stop: for every (trip, service day, stop) the GPS
    fix of that trip nearest to the stop, if one came within var arrival_radius_m. The service day
    is the fix's date or the day before (trips past midnight run on the previous service day); the
    scheduled time must lie within var arrival_window_minutes of the fix, which picks the right
    one. Delay = observed minus scheduled arrival, in seconds.

    Built per service day: a night reads only the fixes of the days it rebuilds and of the day
    after each. Of a fix delivered twice, the earliest delivery is the one kept. -#}
{{ config(**incremental_by_day('service_date')) }}

{%- set window_seconds = var('arrival_window_minutes') * 60 %}

with gps as (
    select
        trip_id,
        recorded_at,
        latitude,
        longitude,
        delivery_date
    from {{ ref('stg_transport__bus_gps') }}
    where trip_id is not null and latitude is not null and longitude is not null
),

day_offsets as (
    select 0 as days_back
    union all
    select 1 as days_back
),

fix_service_days as (
    select
        gps.trip_id,
        gps.recorded_at,
        gps.latitude,
        gps.longitude,
        gps.delivery_date,
        cast({{ dbt.dateadd(
            'day', '-day_offsets.days_back', 'cast(gps.recorded_at as date)'
        ) }} as date) as service_date
    from gps
    cross join day_offsets
),

fixes as (
    select
        trip_id,
        service_date,
        recorded_at,
        latitude,
        longitude,
        delivery_date,
        {{ dbt.datediff(
            'cast(service_date as ' ~ dbt.type_timestamp() ~ ')', 'recorded_at', 'second'
        ) }} as service_seconds
    from fix_service_days
    {{ days_to_build('fix_service_days', 'service_date') }}
),

stop_times as (
    select
        stop_times.trip_id,
        stop_times.stop_sequence,
        stop_times.stop_id,
        stop_times.arrival_seconds,
        stops.stop_lat,
        stops.stop_lon
    from {{ ref('stg_transport__gtfs_stop_times') }} as stop_times
    inner join {{ ref('stg_transport__gtfs_stops') }} as stops
        on stop_times.stop_id = stops.stop_id
),

in_window as (
    select
        fixes.trip_id,
        fixes.service_date,
        stop_times.stop_sequence,
        stop_times.stop_id,
        stop_times.arrival_seconds,
        fixes.recorded_at,
        fixes.delivery_date,
        {{ distance_m(
            'fixes.latitude', 'fixes.longitude', 'stop_times.stop_lat', 'stop_times.stop_lon'
        ) }} as distance_m
    from fixes
    inner join stop_times
        on
            fixes.trip_id = stop_times.trip_id
            and stop_times.arrival_seconds
            between fixes.service_seconds - {{ window_seconds }}
            and fixes.service_seconds + {{ window_seconds }}
),

nearest as (
    select
        trip_id,
        service_date,
        stop_sequence,
        stop_id,
        recorded_at,
        delivery_date,
        distance_m,
        {{ service_timestamp('service_date', 'arrival_seconds') }} as scheduled_arrival_at,
        row_number() over (
            partition by trip_id, service_date, stop_sequence
            order by distance_m, recorded_at, delivery_date
        ) as nearness
    from in_window
    where distance_m <= {{ var('arrival_radius_m') }}
),

arrivals as (
    select
        trip_id,
        service_date,
        stop_sequence,
        stop_id,
        scheduled_arrival_at,
        recorded_at as observed_arrival_at,
        distance_m as fix_distance_m,
        {{
            dbt.datediff('scheduled_arrival_at', 'recorded_at', 'second')
        }} as delay_seconds,
        delivery_date
    from nearest
    where nearness = 1
)

select * from arrivals
