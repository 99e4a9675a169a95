with items as (
    select
        item_code,
        item_name,
        department,
        statutory_limit_working_days,
        promised_limit_working_days,
        is_online_available
    from {{ ref('stg_gov_services__service_items') }}
)

select * from items
