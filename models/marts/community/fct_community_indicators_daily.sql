{#- Per community and day: hotline orders, transit boardings (at stops in the community),
    outpatient visits and service applications (by the resident's home community), each also
    per 1,000 residents. Every community has a row for every day any of them has data, zero
    where nothing happened. -#}
{%- set measures = [
    'hotline_orders', 'transit_boardings', 'outpatient_visits', 'service_applications'
] %}

with communities as (
    select
        division_code as community_code,
        subdistrict_code,
        district_code,
        resident_population
    from {{ ref('dim_division') }}
    where division_level = 'community'
),

hotline as (
    select
        community_code,
        date_day,
        count(*) as hotline_orders
    from {{ ref('fct_hotline_orders') }}
    where community_code is not null
    group by community_code, date_day
),

transit as (
    select
        community_code,
        date_day,
        cast(sum(boardings) as bigint) as transit_boardings
    from {{ ref('fct_transit_boardings_hourly') }}
    where community_code is not null
    group by community_code, date_day
),

outpatient as (
    select
        patient_community_code as community_code,
        date_day,
        count(*) as outpatient_visits
    from {{ ref('int_outpatient_visits_deduplicated') }}
    where patient_community_code is not null
    group by patient_community_code, date_day
),

applications as (
    select
        community_code,
        date_day,
        count(*) as service_applications
    from {{ ref('fct_service_applications') }}
    where community_code is not null
    group by community_code, date_day
),

days as (
    select date_day from hotline
    union
    select date_day from transit
    union
    select date_day from outpatient
    union
    select date_day from applications
),

grid as (
    select
        days.date_day,
        communities.community_code,
        communities.subdistrict_code,
        communities.district_code,
        communities.resident_population
    from days
    cross join communities
),

counts as (
    select
        grid.date_day,
        grid.community_code,
        grid.subdistrict_code,
        grid.district_code,
        grid.resident_population,
        coalesce(hotline.hotline_orders, 0) as hotline_orders,
        coalesce(transit.transit_boardings, 0) as transit_boardings,
        coalesce(outpatient.outpatient_visits, 0) as outpatient_visits,
        coalesce(applications.service_applications, 0) as service_applications
    from grid
    left join hotline
        on grid.community_code = hotline.community_code and grid.date_day = hotline.date_day
    left join transit
        on grid.community_code = transit.community_code and grid.date_day = transit.date_day
    left join outpatient
        on
            grid.community_code = outpatient.community_code
            and grid.date_day = outpatient.date_day
    left join applications
        on
            grid.community_code = applications.community_code
            and grid.date_day = applications.date_day
),

final as (
    select
        date_day,
        community_code,
        subdistrict_code,
        district_code,
        resident_population,
        hotline_orders,
        transit_boardings,
        outpatient_visits,
        service_applications,
        {%- for measure in measures %}
            {{ measure }} * 1000e0 / nullif(resident_population, 0) as {{ measure }}_per_1000,
        {%- endfor %}
        resident_population > 0 as has_residents
    from counts
)

select * from final
