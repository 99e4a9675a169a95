with routes as (
    select
        route_id,
        agency_id,
        route_short_name,
        route_long_name,
        route_type,
        route_color
    from {{ ref('stg_transport__gtfs_routes') }}
),

agencies as (
    select
        agency_id,
        agency_name
    from {{ ref('stg_transport__gtfs_agency') }}
),

single_agency as (
    select max(agency_id) as agency_id from agencies
    having count(*) = 1
),

final as (
    select
        routes.route_id,
        agencies.agency_name,
        routes.route_short_name,
        routes.route_long_name,
        routes.route_type,
        routes.route_color,
        coalesce(routes.agency_id, single_agency.agency_id) as agency_id,
        case routes.route_type
            when 0 then 'tram'
            when 1 then 'metro'
            when 2 then 'rail'
            when 3 then 'bus'
            when 4 then 'ferry'
            when 5 then 'cable tram'
            when 6 then 'aerial lift'
            when 7 then 'funicular'
            when 11 then 'trolleybus'
            when 12 then 'monorail'
            else 'other'
        end as route_type_name
    from routes
    left join single_agency on true
    left join agencies
        on coalesce(routes.agency_id, single_agency.agency_id) = agencies.agency_id
)

select * from final
