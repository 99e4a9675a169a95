{{ config(**incremental_by_day('date_day')) }}

with journeys as (
    select
        date_day,
        origin_stop_id,
        destination_stop_id,
        journey_minutes,
        delivery_date
    from {{ ref('int_transit_journeys_paired') }}
),

journeys_to_build as (
    select
        date_day,
        origin_stop_id,
        destination_stop_id,
        journey_minutes
    from journeys
    {{ days_to_build('journeys', 'date_day') }}
),

stops as (
    select
        stop_id,
        district_code
    from {{ ref('dim_stop') }}
),

od as (
    select
        journeys_to_build.date_day,
        origin.district_code as origin_district_code,
        destination.district_code as destination_district_code,
        count(*) as journeys,
        {{ exact_avg('journeys_to_build.journey_minutes') }} as mean_journey_minutes
    from journeys_to_build
    inner join stops as origin on journeys_to_build.origin_stop_id = origin.stop_id
    inner join stops as destination
        on journeys_to_build.destination_stop_id = destination.stop_id
    where origin.district_code is not null and destination.district_code is not null
    group by
        journeys_to_build.date_day,
        origin.district_code,
        destination.district_code
)

select * from od
