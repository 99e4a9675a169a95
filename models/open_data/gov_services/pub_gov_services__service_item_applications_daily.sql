with item_days as (
    select
        performance.date_day,
        performance.item_code,
        items.item_name,
        performance.department,
        performance.applications,
        performance.online_share,
        performance.on_time_rate
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

-- A share of a withheld count would reveal it: shares go with their count.
select
    date_day,
    item_code,
    item_name,
    department,
    applications,
    case when applications is not null then online_share end as online_share,
    case when applications is not null then on_time_rate end as on_time_rate
from suppressed
