{{ config(**incremental_by_day('date_day')) }}

with entries as (
    select
        attraction_id,
        date_day,
        origin_province_code,
        delivery_date
    from {{ ref('int_gate_entries_deduplicated') }}
    where attraction_id is not null
),

entries_to_build as (
    select
        attraction_id,
        date_day,
        coalesce(origin_province_code, 'unknown') as origin_province_code
    from entries
    {{ days_to_build('entries', 'date_day') }}
),

final as (
    select
        date_day,
        attraction_id,
        origin_province_code,
        count(*) as entries
    from entries_to_build
    group by date_day, attraction_id, origin_province_code
)

select * from final
