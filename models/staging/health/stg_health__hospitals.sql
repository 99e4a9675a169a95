with source as (
    select * from {{ source('raw_health', 'health__hospitals') }}
),

typed as (
    select
        hospital_id,
        hospital_name,
        hospital_level,
        community_code,
        cast(beds_approved as integer) as beds_approved,
        {{ lineage_columns() }}
    from source
)

select * from typed
