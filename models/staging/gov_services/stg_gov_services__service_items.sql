with source as (
    select * from {{ source('raw_gov_services', 'gov_services__service_items') }}
),

typed as (
    select
        item_code,
        item_name,
        department,
        cast(statutory_limit_days as integer) as statutory_limit_working_days,
        cast(promised_limit_days as integer) as promised_limit_working_days,
        cast(online_available as integer) = 1 as is_online_available,
        {{ lineage_columns() }}
    from source
)

select * from typed
