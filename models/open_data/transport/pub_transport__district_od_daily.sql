with flows as (
    select
        date_day,
        origin_district_code,
        destination_district_code,
        journeys
    from {{ ref('fct_transit_od_daily') }}
),

suppressed as (
    {{ suppress_small_cells(
        'flows', 'journeys', ['date_day', 'origin_district_code'],
        ['destination_district_code'], var('small_cell_min_count')
    ) }}
)

select
    date_day,
    origin_district_code,
    destination_district_code,
    journeys
from suppressed
