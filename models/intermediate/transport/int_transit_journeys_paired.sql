{#- A journey is a boarding followed by the same card's next tap being an alighting on the same
    route and direction within var journey_max_minutes. Unpaired taps (no alighting tap, a
    transfer without one) are not journeys. Built per day of boarding: a night reads the taps of
    the days it rebuilds and of the day after each (journeys that alight after midnight). -#}
{{ config(**incremental_by_day('date_day')) }}

with taps as (
    select
        card_pseudonym,
        tapped_at,
        date_day,
        tap_type,
        route_id,
        direction_id,
        stop_id,
        delivery_date
    from {{ ref('int_transit_taps_deduplicated') }}
),

taps_needed as (
    select
        card_pseudonym,
        tapped_at,
        date_day,
        tap_type,
        route_id,
        direction_id,
        stop_id,
        delivery_date
    from taps
    {{ days_to_build('taps', 'date_day', days_after=1) }}
),

with_next as (
    select
        card_pseudonym,
        tapped_at,
        date_day,
        tap_type,
        route_id,
        direction_id,
        stop_id,
        delivery_date,
        lead(tap_type) over card_taps as next_tap_type,
        lead(tapped_at) over card_taps as next_tapped_at,
        lead(route_id) over card_taps as next_route_id,
        lead(direction_id) over card_taps as next_direction_id,
        lead(stop_id) over card_taps as next_stop_id
    from taps_needed
    window card_taps as (
        -- a total order: a card can tap twice in one second (two validators), and the pairing
        -- must not depend on the order rows happen to be stored in
        partition by card_pseudonym
        order by tapped_at, tap_type, route_id, direction_id, stop_id
    )
),

journeys as (
    select
        card_pseudonym,
        date_day,
        route_id,
        direction_id,
        stop_id as origin_stop_id,
        next_stop_id as destination_stop_id,
        tapped_at as boarded_at,
        next_tapped_at as alighted_at,
        {{
            dbt.datediff('tapped_at', 'next_tapped_at', 'second')
        }} / 60e0 as journey_minutes,
        delivery_date
    from with_next
    where
        tap_type = 'board'
        and next_tap_type = 'alight'
        and next_route_id = route_id
        and coalesce(next_direction_id, -1) = coalesce(direction_id, -1)
        and next_tapped_at <= {{ dbt.dateadd('minute', var('journey_max_minutes'), 'tapped_at') }}
),

journeys_built as (
    select
        card_pseudonym,
        date_day,
        route_id,
        direction_id,
        origin_stop_id,
        destination_stop_id,
        boarded_at,
        alighted_at,
        journey_minutes,
        delivery_date
    from journeys
    {{ days_to_build('taps', 'date_day') }}
)

select * from journeys_built
