with district_days as (
    select
        orders.date_day,
        orders.district_code,
        any_value(districts.division_name) as district_name,
        coalesce(orders.category, '未分类') as category,
        count(*) as orders
    from {{ ref('fct_hotline_orders') }} as orders
    left join {{ ref('dim_division') }} as districts
        on orders.district_code = districts.division_code
    where orders.district_code is not null
    group by orders.date_day, orders.district_code, coalesce(orders.category, '未分类')
),

suppressed as (
    {{ suppress_small_cells(
        'district_days', 'orders', ['date_day', 'district_code'], ['category'],
        var('small_cell_min_count')
    ) }}
)

select
    date_day,
    district_code,
    district_name,
    category,
    orders
from suppressed
