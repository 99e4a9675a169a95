{#- The headline numbers of a mayor's dashboard, per district and day: mobility, the hotline,
    health, government services, air quality and tourism, side by side. Rates are over what
    the district's own rows allow (e.g. hotline satisfaction among orders with an answer). -#}
with districts as (
    select
        division_code as district_code,
        division_name as district_name,
        resident_population
    from {{ ref('dim_division') }}
    where division_level = 'district'
),

transit as (
    select
        district_code,
        date_day,
        cast(sum(boardings) as bigint) as transit_boardings
    from {{ ref('fct_transit_boardings_hourly') }}
    group by district_code, date_day
),

hotline as (
    select
        district_code,
        date_day,
        count(*) as hotline_orders,
        avg(case when is_satisfied then 1e0 when not is_satisfied then 0e0 end)
            as hotline_satisfaction_rate,
        avg(case when is_closing_overdue then 1e0 else 0e0 end) as hotline_overdue_share
    from {{ ref('fct_hotline_orders') }}
    group by district_code, date_day
),

outpatient as (
    select
        patient_district_code as district_code,
        date_day,
        cast(sum(visits) as bigint) as outpatient_visits
    from {{ ref('fct_outpatient_visits_daily') }}
    group by patient_district_code, date_day
),

beds as (
    select
        hospitals.district_code,
        census.date_day,
        sum(census.beds_occupied) * 1e0 / nullif(sum(census.beds_open), 0) as bed_occupancy_rate
    from {{ ref('fct_bed_occupancy_daily') }} as census
    inner join {{ ref('dim_hospital') }} as hospitals
        on census.hospital_id = hospitals.hospital_id
    where census.beds_occupied is not null
    group by hospitals.district_code, census.date_day
),

services as (
    select
        district_code,
        date_day,
        count(*) as service_applications,
        avg(case when is_online then 1e0 else 0e0 end) as service_online_share,
        avg(case when is_on_time then 1e0 when not is_on_time then 0e0 end)
            as service_on_time_rate
    from {{ ref('fct_service_applications') }}
    group by district_code, date_day
),

air as (
    select
        district_code,
        date_day,
        aqi,
        aqi_level,
        primary_pollutant
    from {{ ref('fct_air_quality_district_daily') }}
),

tourism as (
    select
        district_code,
        date_day,
        cast(sum(entries) as bigint) as attraction_entries
    from {{ ref('fct_attraction_visits_daily') }}
    group by district_code, date_day
),

hotels as (
    select
        district_code,
        date_day,
        sum(rooms_occupied) * 1e0 / nullif(sum(rooms_total), 0) as hotel_occupancy_rate
    from {{ ref('fct_hotel_occupancy_daily') }}
    where rooms_occupied is not null
    group by district_code, date_day
),

days as (
    select date_day from transit
    union
    select date_day from hotline
    union
    select date_day from outpatient
    union
    select date_day from services
    union
    select date_day from air
),

final as (
    select
        days.date_day,
        districts.district_code,
        districts.district_name,
        districts.resident_population,
        hotline.hotline_satisfaction_rate,
        hotline.hotline_overdue_share,
        beds.bed_occupancy_rate,
        services.service_online_share,
        services.service_on_time_rate,
        air.aqi,
        air.aqi_level,
        air.primary_pollutant,
        hotels.hotel_occupancy_rate,
        coalesce(transit.transit_boardings, 0) as transit_boardings,
        coalesce(hotline.hotline_orders, 0) as hotline_orders,
        coalesce(outpatient.outpatient_visits, 0) as outpatient_visits,
        coalesce(services.service_applications, 0) as service_applications,
        coalesce(tourism.attraction_entries, 0) as attraction_entries
    from days
    cross join districts
    left join transit
        on districts.district_code = transit.district_code and days.date_day = transit.date_day
    left join hotline
        on districts.district_code = hotline.district_code and days.date_day = hotline.date_day
    left join outpatient
        on
            districts.district_code = outpatient.district_code
            and days.date_day = outpatient.date_day
    left join beds
        on districts.district_code = beds.district_code and days.date_day = beds.date_day
    left join services
        on districts.district_code = services.district_code and days.date_day = services.date_day
    left join air
        on districts.district_code = air.district_code and days.date_day = air.date_day
    left join tourism
        on districts.district_code = tourism.district_code and days.date_day = tourism.date_day
    left join hotels
        on districts.district_code = hotels.district_code and days.date_day = hotels.date_day
)

select * from final
