{#- Where and about what the city called 12345 each day: orders per community and category, the
    share of the city's orders that day, and the rank among the day's community × category pairs
    (1 = most orders; ties share a rank). Orders with an unknown community count in the city
    total but have no row. -#}
with orders as (
    select
        date_day,
        community_code,
        district_code,
        category
    from {{ ref('fct_hotline_orders') }}
),

city_totals as (
    select
        date_day,
        count(*) as city_orders
    from orders
    group by date_day
),

per_place as (
    select
        date_day,
        community_code,
        district_code,
        category,
        count(*) as orders
    from orders
    where community_code is not null
    group by date_day, community_code, district_code, category
),

final as (
    select
        per_place.date_day,
        per_place.community_code,
        per_place.district_code,
        per_place.category,
        per_place.orders,
        per_place.orders * 1e0 / city_totals.city_orders as share_of_city_orders,
        dense_rank() over (
            partition by per_place.date_day order by per_place.orders desc
        ) as hotspot_rank
    from per_place
    inner join city_totals on per_place.date_day = city_totals.date_day
)

select * from final
