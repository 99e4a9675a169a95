{#- Each GTFS stop placed in the community whose centre is nearest, within
    var stop_max_community_distance_m. GTFS carries no division codes and the division register
    has centre points, not boundaries: nearest centre is the honest approximation. A stop far
    from every community (a feed that reaches beyond the city) gets no community. -#}
with stops as (
    select
        stop_id,
        stop_lat,
        stop_lon
    from {{ ref('stg_transport__gtfs_stops') }}
    where stop_lat is not null and stop_lon is not null
),

communities as (
    select
        division_code,
        centroid_lat,
        centroid_lon
    from {{ ref('int_divisions_flattened') }}
    where division_level = 'community' and centroid_lat is not null
),

distances as (
    select
        stops.stop_id,
        communities.division_code as community_code,
        {{ distance_m(
            'stops.stop_lat', 'stops.stop_lon', 'communities.centroid_lat', 'communities.centroid_lon'
        ) }} as distance_m
    from stops
    cross join communities
),

ranked as (
    select
        stop_id,
        community_code,
        distance_m,
        row_number() over (partition by stop_id order by distance_m, community_code) as nearness
    from distances
),

nearest as (
    select
        stops.stop_id,
        ranked.community_code,
        ranked.distance_m as distance_to_community_centre_m
    from stops
    left join ranked
        on
            stops.stop_id = ranked.stop_id
            and ranked.nearness = 1
            and ranked.distance_m <= {{ var('stop_max_community_distance_m') }}
)

select * from nearest
