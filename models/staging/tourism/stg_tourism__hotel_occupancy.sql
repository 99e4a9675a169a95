with source as (
    select * from {{ source('raw_tourism', 'tourism__hotel_occupancy') }}
),

typed as (
    select
        hotel_id,
        hotel_name,
        cast(star_rating as integer) as star_rating,
        community_code,
        cast(date as date) as occupancy_date,
        cast(rooms_total as integer) as rooms_total,
        cast(rooms_occupied as integer) as rooms_occupied,
        cast(guests as integer) as guests,
        cast(average_price_yuan as double) as average_price_yuan,
        {{ lineage_columns() }}
    from source
)

select * from typed
