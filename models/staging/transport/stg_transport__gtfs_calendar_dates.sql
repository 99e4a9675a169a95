with source as (
    select * from {{ source('raw_transport', 'transport__gtfs__calendar_dates') }}
),

typed as (
    select
        service_id,
        {{ gtfs_date('date') }} as service_date,
        cast(exception_type as integer) as exception_type,
        {{ lineage_columns() }}
    from source
)

select * from typed
