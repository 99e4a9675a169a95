with attractions as (
    select
        attraction_id,
        attraction_name,
        a_level,
        community_code,
        latitude,
        longitude,
        daily_capacity,
        instant_capacity,
        ticket_price_yuan
    from {{ ref('stg_tourism__attractions') }}
),

divisions as (
    select
        division_code,
        subdistrict_code,
        district_code
    from {{ ref('dim_division') }}
),

final as (
    select
        attractions.attraction_id,
        attractions.attraction_name,
        attractions.a_level,
        divisions.division_code as community_code,
        divisions.subdistrict_code,
        divisions.district_code,
        attractions.latitude,
        attractions.longitude,
        attractions.daily_capacity,
        attractions.instant_capacity,
        attractions.ticket_price_yuan,
        length(attractions.a_level) as a_level_number
    from attractions
    left join divisions on attractions.community_code = divisions.division_code
)

select * from final
