with divisions as (
    select
        division_code,
        division_name,
        division_level,
        parent_division_code,
        centroid_lat,
        centroid_lon,
        city_code,
        city_name,
        district_code,
        district_name,
        subdistrict_code,
        subdistrict_name,
        community_code,
        community_name
    from {{ ref('int_divisions_flattened') }}
),

population_latest as (
    select
        community_code,
        population_year,
        resident_population,
        households,
        population_0_14,
        population_15_59,
        population_60_plus
    from {{ ref('stg_civil_affairs__population') }}
    where population_year = (
        select max(all_years.population_year)
        from {{ ref('stg_civil_affairs__population') }} as all_years
    )
),

community_population as (
    select
        divisions.community_code,
        divisions.subdistrict_code,
        divisions.district_code,
        divisions.city_code,
        population_latest.population_year,
        population_latest.resident_population,
        population_latest.households,
        population_latest.population_0_14,
        population_latest.population_15_59,
        population_latest.population_60_plus
    from divisions
    inner join population_latest
        on divisions.community_code = population_latest.community_code
),

rolled_up as (
    select
        divisions.division_code,
        max(community_population.population_year) as population_year,
        sum(community_population.resident_population) as resident_population,
        sum(community_population.households) as households,
        sum(community_population.population_0_14) as population_0_14,
        sum(community_population.population_15_59) as population_15_59,
        sum(community_population.population_60_plus) as population_60_plus
    from divisions
    left join community_population
        on
            divisions.division_code = community_population.community_code
            or divisions.division_code = community_population.subdistrict_code
            or divisions.division_code = community_population.district_code
            or divisions.division_code = community_population.city_code
    group by divisions.division_code
),

final as (
    select
        divisions.division_code,
        divisions.division_name,
        divisions.division_level,
        divisions.parent_division_code,
        divisions.city_code,
        divisions.city_name,
        divisions.district_code,
        divisions.district_name,
        divisions.subdistrict_code,
        divisions.subdistrict_name,
        divisions.community_code,
        divisions.community_name,
        divisions.centroid_lat,
        divisions.centroid_lon,
        rolled_up.population_year,
        coalesce(rolled_up.resident_population, 0) as resident_population,
        coalesce(rolled_up.households, 0) as households,
        coalesce(rolled_up.population_0_14, 0) as population_0_14,
        coalesce(rolled_up.population_15_59, 0) as population_15_59,
        coalesce(rolled_up.population_60_plus, 0) as population_60_plus
    from divisions
    inner join rolled_up on divisions.division_code = rolled_up.division_code
)

select * from final
