with source as (
    select * from {{ source('raw_health', 'health__bed_occupancy') }}
),

typed as (
    select
        hospital_id,
        cast(date as date) as report_date,
        department,
        cast(beds_open as integer) as beds_open,
        cast(beds_occupied as integer) as beds_occupied,
        cast(admissions as integer) as admissions,
        cast(discharges as integer) as discharges,
        {{ lineage_columns() }}
    from source
)

select * from typed
