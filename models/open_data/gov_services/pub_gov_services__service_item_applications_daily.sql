with item_days as (
    select
        performance.date_day,
        performance.item_code,
        items.item_name,
        performance.department,
        performance.applications,
        performance.online_applications,
        performance.online_share,
        performance.completed_applications,
        performance.on_time_rate,
        round(performance.on_time_rate * performance.completed_applications) as on_time_applications
    from {{ ref('fct_service_performance_daily') }} as performance
    inner join {{ ref('dim_service_item') }} as items
        on performance.item_code = items.item_code
),

suppressed as (
    {{ suppress_small_cells(
        'item_days', 'applications', ['date_day', 'department'], ['item_code'],
        var('small_cell_min_count')
    ) }}
)

-- A share of a withheld count would reveal it: shares go with their count. A share that
-- reveals a small sub-count (11 applications, 0.909 online: 1 offline) is withheld too.
select
    date_day,
    item_code,
    item_name,
    department,
    applications,
    case
        when applications is not null and not {{ reveals_small_count(
            'online_applications', 'applications', var('small_cell_min_count')
        ) }} then online_share
    end as online_share,
    case
        when applications is not null and not {{ reveals_small_count(
            'on_time_applications', 'completed_applications', var('small_cell_min_count')
        ) }} then on_time_rate
    end as on_time_rate
from suppressed
