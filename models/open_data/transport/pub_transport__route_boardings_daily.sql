with route_days as (
    select
        boardings.date_day,
        boardings.route_id,
        any_value(routes.route_short_name) as route_short_name,
        any_value(routes.route_long_name) as route_long_name,
        sum(boardings.boardings) as boardings
    from {{ ref('fct_transit_boardings_hourly') }} as boardings
    left join {{ ref('dim_route') }} as routes on boardings.route_id = routes.route_id
    group by boardings.date_day, boardings.route_id
),

suppressed as (
    {{ suppress_small_cells(
        'route_days', 'boardings', ['date_day'], ['route_id'], var('small_cell_min_count')
    ) }}
)

select
    date_day,
    route_id,
    route_short_name,
    route_long_name,
    boardings
from suppressed
