with source as (
    select * from {{ source('raw_tourism', 'tourism__attractions') }}
),

typed as (
    select
        attraction_id,
        name as attraction_name,
        a_level,
        community_code,
        cast(lat as double) as latitude,
        cast(lon as double) as longitude,
        cast(daily_capacity as integer) as daily_capacity,
        cast(instant_capacity as integer) as instant_capacity,
        cast(ticket_price_yuan as double) as ticket_price_yuan,
        {{ lineage_columns() }}
    from source
)

select * from typed
