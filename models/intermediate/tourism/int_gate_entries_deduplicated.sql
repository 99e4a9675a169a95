{#- Gate entries, one row per entry_id (a re-sent record kept once, from its earliest delivery),
    with the visitor's origin: the province part (first two digits) of the ID document's region. -#}
with entries as (
    select
        entry_id,
        attraction_id,
        entered_at,
        ticket_type,
        origin_province_code,
        delivery_date,
        source_row_number
    from {{ ref('stg_tourism__gate_entries') }}
),

ranked as (
    select
        entry_id,
        attraction_id,
        entered_at,
        ticket_type,
        origin_province_code,
        delivery_date,
        row_number() over (
            partition by entry_id order by delivery_date, source_row_number
        ) as occurrence
    from entries
),

deduplicated as (
    select
        entry_id,
        attraction_id,
        entered_at,
        cast(entered_at as date) as date_day,
        ticket_type,
        origin_province_code,
        delivery_date
    from ranked
    where occurrence = 1
)

select * from deduplicated
