with stops as (
    select
        stop_id,
        stop_code,
        stop_name,
        stop_lat,
        stop_lon,
        location_type,
        parent_station,
        wheelchair_boarding
    from {{ ref('stg_transport__gtfs_stops') }}
),

located as (
    select
        stop_id,
        community_code,
        distance_to_community_centre_m
    from {{ ref('int_stops_located') }}
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
        stops.stop_id,
        stops.stop_code,
        stops.stop_name,
        stops.stop_lat,
        stops.stop_lon,
        stops.location_type,
        stops.parent_station,
        stops.wheelchair_boarding,
        located.community_code,
        divisions.subdistrict_code,
        divisions.district_code,
        located.distance_to_community_centre_m
    from stops
    left join located on stops.stop_id = located.stop_id
    left join divisions on located.community_code = divisions.division_code
)

select * from final
