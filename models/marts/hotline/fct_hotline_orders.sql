{#- One row per 12345 work order: how fast it was answered and closed against the limits
    (vars hotline_response_limit_minutes, hotline_closing_limit_hours) and whether the caller
    was satisfied. Orders with no category are counted under 未分类 (unclassified). -#}
{{ config(**incremental_by_day('date_day')) }}

with ranked as (
    select
        order_id,
        received_at,
        channel,
        category,
        subcategory,
        community_code,
        responded_at,
        closed_at,
        status,
        satisfaction,
        delivery_date,
        row_number() over (
            partition by order_id order by delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_hotline__work_orders') }}
),

orders as (
    select
        order_id,
        cast(received_at as date) as date_day,
        received_at,
        channel,
        category,
        subcategory,
        community_code,
        responded_at,
        closed_at,
        status,
        satisfaction,
        delivery_date
    from ranked
    where recency = 1
),

orders_to_build as (
    select
        order_id,
        date_day,
        received_at,
        channel,
        category,
        subcategory,
        community_code,
        responded_at,
        closed_at,
        status,
        satisfaction
    from orders
    {{ days_to_build('orders', 'date_day') }}
),

timed as (
    select
        order_id,
        date_day,
        received_at,
        channel,
        coalesce(category, '未分类') as category,
        subcategory,
        community_code,
        responded_at,
        closed_at,
        status,
        satisfaction,
        {{
            dbt.datediff('received_at', 'responded_at', 'minute')
        }} as response_minutes,
        {{
            dbt.datediff('received_at', 'closed_at', 'minute')
        }} / 60e0 as closing_hours
    from orders_to_build
),

final as (
    select
        timed.order_id,
        timed.date_day,
        timed.received_at,
        timed.channel,
        timed.category,
        timed.subcategory,
        communities.division_code as community_code,
        communities.district_code,
        timed.responded_at,
        timed.closed_at,
        timed.status,
        timed.response_minutes,
        timed.closing_hours,
        timed.response_minutes > {{ var('hotline_response_limit_minutes') }}
            as is_response_overdue,
        timed.closing_hours > {{ var('hotline_closing_limit_hours') }} as is_closing_overdue,
        timed.satisfaction,
        case
            when timed.satisfaction in ('满意', '基本满意') then true
            when timed.satisfaction is not null then false
        end as is_satisfied
    from timed
    left join {{ ref('dim_division') }} as communities
        on
            timed.community_code = communities.division_code
            and communities.division_level = 'community'
)

select * from final
