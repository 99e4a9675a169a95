with source as (
    select * from {{ source('raw_gov_services', 'gov_services__ratings') }}
),

typed as (
    select
        id as rating_id,
        application_id,
        cast(rating as integer) as rating,
        rating_level,
        cast(rated_at as timestamp) as rated_at,
        {{ lineage_columns() }}
    from source
)

select * from typed
