with attraction_days as (
    select
        visits.date_day,
        visits.attraction_id,
        attractions.attraction_name,
        attractions.a_level,
        visits.district_code,
        visits.entries
    from {{ ref('fct_attraction_visits_daily') }} as visits
    inner join {{ ref('dim_attraction') }} as attractions
        on visits.attraction_id = attractions.attraction_id
),

suppressed as (
    {{ suppress_small_cells(
        'attraction_days', 'entries', ['date_day'], ['attraction_id'],
        var('small_cell_min_count')
    ) }}
)

select
    date_day,
    attraction_id,
    attraction_name,
    a_level,
    district_code,
    entries
from suppressed
