with source as (
    select * from {{ source('raw_transport', 'transport__smartcard_taps') }}
),

typed as (
    select
        card_id as card_pseudonym,
        cast(tapped_at as timestamp) as tapped_at,
        tap_type,
        route_id,
        cast(direction_id as integer) as direction_id,
        stop_id,
        cast(amount_yuan as double) as amount_yuan,
        {{ lineage_columns() }}
    from source
)

select * from typed
