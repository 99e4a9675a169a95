{#- Smart-card taps with exact repeats removed (a validator re-sending a tap), keeping the earliest
    delivery of each. -#}
with taps as (
    select
        card_pseudonym,
        tapped_at,
        tap_type,
        route_id,
        direction_id,
        stop_id,
        amount_yuan,
        delivery_date
    from {{ ref('stg_transport__smartcard_taps') }}
),

deduplicated as (
    select
        card_pseudonym,
        tapped_at,
        cast(tapped_at as date) as date_day,
        tap_type,
        route_id,
        direction_id,
        stop_id,
        amount_yuan,
        min(delivery_date) as delivery_date
    from taps
    group by card_pseudonym, tapped_at, tap_type, route_id, direction_id, stop_id, amount_yuan
)

select * from deduplicated
