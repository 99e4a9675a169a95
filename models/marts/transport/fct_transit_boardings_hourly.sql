{{ config(**incremental_by_day('date_day')) }}

with taps as (
    select
        date_day,
        {{ dbt.date_trunc('hour', 'tapped_at') }} as hour_start,
        route_id,
        stop_id,
        tap_type,
        amount_yuan,
        delivery_date
    from {{ ref('int_transit_taps_deduplicated') }}
),

taps_to_build as (
    select
        date_day,
        hour_start,
        route_id,
        stop_id,
        tap_type,
        amount_yuan
    from taps
    {{ days_to_build('taps', 'date_day') }}
),

hourly as (
    select
        date_day,
        hour_start,
        route_id,
        stop_id,
        count(case when tap_type = 'board' then 1 end) as boardings,
        count(case when tap_type = 'alight' then 1 end) as alightings,
        sum(case when amount_yuan >= 0 then amount_yuan else 0 end) as fare_revenue_yuan
    from taps_to_build
    group by date_day, hour_start, route_id, stop_id
),

final as (
    select
        hourly.date_day,
        hourly.hour_start,
        cast(extract(hour from hourly.hour_start) as integer) as hour_of_day,
        hourly.route_id,
        hourly.stop_id,
        stops.community_code,
        stops.district_code,
        hourly.boardings,
        hourly.alightings,
        hourly.fare_revenue_yuan
    from hourly
    left join {{ ref('dim_stop') }} as stops on hourly.stop_id = stops.stop_id
)

select * from final
