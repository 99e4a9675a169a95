with stations as (
    select
        station_id,
        station_name,
        division_code,
        station_type,
        latitude,
        longitude
    from {{ ref('stg_environment__stations') }}
),

final as (
    select
        stations.station_id,
        stations.station_name,
        stations.station_type,
        divisions.division_code,
        divisions.division_level,
        divisions.subdistrict_code,
        divisions.district_code,
        stations.latitude,
        stations.longitude
    from stations
    left join {{ ref('dim_division') }} as divisions
        on stations.division_code = divisions.division_code
)

select * from final
