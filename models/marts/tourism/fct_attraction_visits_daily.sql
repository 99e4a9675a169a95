{#- Visits per attraction and day: entries, the busiest hour against the instantaneous capacity,
    the day against the daily capacity, and where visitors came from (the city's own province or
    elsewhere; fct_attraction_visitor_origins_daily has the breakdown by province). -#}
{{ config(**incremental_by_day('date_day')) }}

with entries as (
    select
        attraction_id,
        entered_at,
        date_day,
        ticket_type,
        origin_province_code,
        delivery_date
    from {{ ref('int_gate_entries_deduplicated') }}
    where attraction_id is not null
),

entries_to_build as (
    select
        attraction_id,
        date_day,
        {{ dbt.date_trunc('hour', 'entered_at') }} as hour_start,
        ticket_type,
        origin_province_code
    from entries
    {{ days_to_build('entries', 'date_day') }}
),

home_province as (
    select max(substring(city_code, 1, 2)) as province_code
    from {{ ref('dim_division') }}
),

hourly as (
    select
        attraction_id,
        date_day,
        hour_start,
        count(*) as entries
    from entries_to_build
    group by attraction_id, date_day, hour_start
),

peaks as (
    select
        attraction_id,
        date_day,
        max(entries) as peak_hour_entries
    from hourly
    group by attraction_id, date_day
),

daily as (
    select
        entries_to_build.attraction_id,
        entries_to_build.date_day,
        count(*) as entries,
        count(case when entries_to_build.ticket_type = 'full' then 1 end) as full_price_entries,
        count(
            case when entries_to_build.origin_province_code = home_province.province_code then 1 end
        ) as entries_from_home_province,
        count(
            case
                when entries_to_build.origin_province_code <> home_province.province_code then 1
            end
        ) as entries_from_other_provinces,
        count(distinct entries_to_build.origin_province_code) as origin_provinces
    from entries_to_build
    cross join home_province
    group by entries_to_build.attraction_id, entries_to_build.date_day
),

final as (
    select
        daily.date_day,
        daily.attraction_id,
        attractions.community_code,
        attractions.district_code,
        daily.entries,
        daily.full_price_entries,
        daily.entries_from_home_province,
        daily.entries_from_other_provinces,
        daily.origin_provinces,
        peaks.peak_hour_entries,
        attractions.instant_capacity,
        attractions.daily_capacity,
        peaks.peak_hour_entries * 1e0 / nullif(attractions.instant_capacity, 0)
            as peak_hour_load_ratio,
        daily.entries * 1e0 / nullif(attractions.daily_capacity, 0) as daily_load_ratio
    from daily
    inner join peaks
        on daily.attraction_id = peaks.attraction_id and daily.date_day = peaks.date_day
    left join {{ ref('dim_attraction') }} as attractions
        on daily.attraction_id = attractions.attraction_id
)

select * from final
