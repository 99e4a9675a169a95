{#- Journeys between districts, one row per journey with the card's pseudonym: never in marts,
    never published, answered only through differentially private queries (citybase serve). -#}
with journeys as (
    select
        card_pseudonym,
        date_day,
        origin_stop_id,
        destination_stop_id,
        journey_minutes,
        delivery_date
    from {{ ref('int_transit_journeys_paired') }}
),

stops as (
    select
        stop_id,
        district_code
    from {{ ref('dim_stop') }}
),

final as (
    select
        journeys.card_pseudonym as person_pseudonym,
        journeys.date_day,
        origin.district_code as origin_district_code,
        destination.district_code as destination_district_code,
        journeys.journey_minutes,
        journeys.delivery_date
    from journeys
    inner join stops as origin on journeys.origin_stop_id = origin.stop_id
    inner join stops as destination on journeys.destination_stop_id = destination.stop_id
    where origin.district_code is not null and destination.district_code is not null
)

select * from final
