{#- Every division in use with the codes and names of the divisions above it, so that any fact
    can be rolled up from the finest level it knows. The hierarchy has exactly four levels, city
    to community: provinces are above it, retired and changed codes are history. A code
    delivered twice (a county's feed beside the city's) counts once, its latest version. -#}
with registered as (
    select
        division_code,
        division_name,
        division_level,
        parent_division_code,
        centroid_lat,
        centroid_lon,
        row_number() over (
            partition by division_code
            order by valid_from_year desc nulls first, delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_civil_affairs__divisions') }}
    where
        coalesce(is_current, true)
        and division_level != 'province'
),

divisions as (
    select
        division_code,
        division_name,
        division_level,
        parent_division_code,
        centroid_lat,
        centroid_lon
    from registered
    where recency = 1
),

with_ancestors as (
    select
        divisions.division_code,
        divisions.division_name,
        divisions.division_level,
        divisions.parent_division_code,
        divisions.centroid_lat,
        divisions.centroid_lon,
        parent.division_code as parent_code,
        parent.division_name as parent_name,
        grandparent.division_code as grandparent_code,
        grandparent.division_name as grandparent_name,
        great_grandparent.division_code as great_grandparent_code,
        great_grandparent.division_name as great_grandparent_name
    from divisions
    left join divisions as parent
        on divisions.parent_division_code = parent.division_code
    left join divisions as grandparent
        on parent.parent_division_code = grandparent.division_code
    left join divisions as great_grandparent
        on grandparent.parent_division_code = great_grandparent.division_code
),

flattened as (
    select
        division_code,
        division_name,
        division_level,
        parent_division_code,
        centroid_lat,
        centroid_lon,
        case division_level
            when 'city' then division_code
            when 'district' then parent_code
            when 'subdistrict' then grandparent_code
            when 'community' then great_grandparent_code
        end as city_code,
        case division_level
            when 'city' then division_name
            when 'district' then parent_name
            when 'subdistrict' then grandparent_name
            when 'community' then great_grandparent_name
        end as city_name,
        case division_level
            when 'district' then division_code
            when 'subdistrict' then parent_code
            when 'community' then grandparent_code
        end as district_code,
        case division_level
            when 'district' then division_name
            when 'subdistrict' then parent_name
            when 'community' then grandparent_name
        end as district_name,
        case division_level
            when 'subdistrict' then division_code
            when 'community' then parent_code
        end as subdistrict_code,
        case division_level
            when 'subdistrict' then division_name
            when 'community' then parent_name
        end as subdistrict_name,
        case when division_level = 'community' then division_code end as community_code,
        case when division_level = 'community' then division_name end as community_name
    from with_ancestors
)

select * from flattened
