{#- Bed census per hospital, department and day. An occupied count outside 0..beds_open is not
    believable and is left out of the rate (kept in staging for the quality report). -#}
{{ config(**incremental_by_day('date_day')) }}

with ranked_census as (
    select
        hospital_id,
        department,
        report_date as date_day,
        beds_open,
        beds_occupied,
        admissions,
        discharges,
        delivery_date,
        row_number() over (
            partition by hospital_id, department, report_date
            order by delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_health__bed_occupancy') }}
),

census as (
    select
        hospital_id,
        department,
        date_day,
        beds_open,
        beds_occupied,
        admissions,
        discharges,
        delivery_date
    from ranked_census
    where recency = 1
),

census_to_build as (
    select
        date_day,
        hospital_id,
        department,
        beds_open,
        admissions,
        discharges,
        case when beds_occupied between 0 and beds_open then beds_occupied end as beds_occupied
    from census
    {{ days_to_build('census', 'date_day') }}
),

final as (
    select
        date_day,
        hospital_id,
        department,
        beds_open,
        beds_occupied,
        admissions,
        discharges,
        beds_occupied * 1e0 / nullif(beds_open, 0) as occupancy_rate
    from census_to_build
)

select * from final
