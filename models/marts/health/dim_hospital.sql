with hospitals as (
    select
        hospital_id,
        hospital_name,
        hospital_level,
        community_code,
        beds_approved
    from {{ ref('stg_health__hospitals') }}
),

final as (
    select
        hospitals.hospital_id,
        hospitals.hospital_name,
        hospitals.hospital_level,
        divisions.division_code as community_code,
        divisions.subdistrict_code,
        divisions.district_code,
        hospitals.beds_approved
    from hospitals
    left join {{ ref('dim_division') }} as divisions
        on hospitals.community_code = divisions.division_code
)

select * from final
