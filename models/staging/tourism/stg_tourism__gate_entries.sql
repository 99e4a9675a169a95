with source as (
    select * from {{ source('raw_tourism', 'tourism__gate_entries') }}
),

typed as (
    select
        entry_id,
        attraction_id,
        cast(entered_at as timestamp) as entered_at,
        gate,
        ticket_type,
        origin_province_code,
        {{ lineage_columns() }}
    from source
)

select * from typed
