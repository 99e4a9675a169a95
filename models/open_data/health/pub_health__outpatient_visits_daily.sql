with department_days as (
    select
        visits.date_day,
        visits.hospital_id,
        any_value(hospitals.hospital_name) as hospital_name,
        coalesce(visits.department, '未注明') as department,
        sum(visits.visits) as visits
    from {{ ref('fct_outpatient_visits_daily') }} as visits
    inner join {{ ref('dim_hospital') }} as hospitals
        on visits.hospital_id = hospitals.hospital_id
    group by visits.date_day, visits.hospital_id, coalesce(visits.department, '未注明')
),

suppressed as (
    {{ suppress_small_cells(
        'department_days', 'visits', ['date_day', 'hospital_id'], ['department'],
        var('small_cell_min_count_health')
    ) }}
)

select
    date_day,
    hospital_id,
    hospital_name,
    department,
    visits
from suppressed
