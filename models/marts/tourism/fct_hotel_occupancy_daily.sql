{#- Room occupancy per hotel and night. A reported occupied-room count outside 0..rooms_total is
    not believable and is left out of the rates (kept in staging for the quality report). -#}
{{ config(**incremental_by_day('date_day')) }}

with ranked_reports as (
    select
        hotel_id,
        hotel_name,
        star_rating,
        community_code,
        occupancy_date as date_day,
        rooms_total,
        rooms_occupied,
        guests,
        average_price_yuan,
        delivery_date,
        row_number() over (
            partition by hotel_id, occupancy_date
            order by delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_tourism__hotel_occupancy') }}
),

reports as (
    select
        hotel_id,
        hotel_name,
        star_rating,
        community_code,
        date_day,
        rooms_total,
        rooms_occupied,
        guests,
        average_price_yuan,
        delivery_date
    from ranked_reports
    where recency = 1
),

reports_to_build as (
    select
        hotel_id,
        hotel_name,
        star_rating,
        community_code,
        date_day,
        rooms_total,
        guests,
        average_price_yuan,
        case when rooms_occupied between 0 and rooms_total then rooms_occupied end as rooms_occupied
    from reports
    {{ days_to_build('reports', 'date_day') }}
),

final as (
    select
        reports_to_build.date_day,
        reports_to_build.hotel_id,
        reports_to_build.hotel_name,
        reports_to_build.star_rating,
        divisions.division_code as community_code,
        divisions.district_code,
        reports_to_build.rooms_total,
        reports_to_build.rooms_occupied,
        reports_to_build.guests,
        reports_to_build.average_price_yuan,
        reports_to_build.rooms_occupied * 1e0 / nullif(reports_to_build.rooms_total, 0)
            as occupancy_rate,
        reports_to_build.average_price_yuan * reports_to_build.rooms_occupied
        / nullif(reports_to_build.rooms_total, 0) as revpar_yuan
    from reports_to_build
    left join {{ ref('dim_division') }} as divisions
        on reports_to_build.community_code = divisions.division_code
)

select * from final
