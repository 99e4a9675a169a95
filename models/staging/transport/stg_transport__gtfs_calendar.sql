with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__calendar') }}
),

typed as (
    select
        service_id,
        monday = '1' as runs_monday,
        tuesday = '1' as runs_tuesday,
        wednesday = '1' as runs_wednesday,
        thursday = '1' as runs_thursday,
        friday = '1' as runs_friday,
        saturday = '1' as runs_saturday,
        sunday = '1' as runs_sunday,
        {{ gtfs_date('start_date') }} as start_date,
        {{ gtfs_date('end_date') }} as end_date,
        {{ lineage_columns() }}
    from source
)

select * from typed
