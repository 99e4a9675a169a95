with source as (
    select * from {{ source('raw_hotline', 'hotline__work_orders') }}
),

typed as (
    select
        order_id,
        cast(received_at as timestamp) as received_at,
        channel,
        category,
        subcategory,
        community_code,
        caller_phone as caller_pseudonym,
        caller_phone_valid as is_caller_phone_valid,
        cast(responded_at as timestamp) as responded_at,
        cast(closed_at as timestamp) as closed_at,
        status,
        satisfaction,
        {{ lineage_columns() }}
    from source
)

select * from typed
