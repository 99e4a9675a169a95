{#- Outpatient visits, one row per visit_id (a re-sent record kept once, from its earliest
    delivery), with the patient's home community checked against the division register and an
    age band in place of the age. Pseudonymous, person-level: never exposed in marts. -#}
with visits as (
    select
        visit_id,
        hospital_id,
        department,
        visited_at,
        patient_pseudonym,
        patient_age_years,
        patient_community_code,
        fee_yuan,
        delivery_date,
        source_row_number
    from {{ ref('stg_health__outpatient_visits') }}
),

ranked as (
    select
        visit_id,
        hospital_id,
        department,
        visited_at,
        patient_pseudonym,
        patient_age_years,
        patient_community_code,
        fee_yuan,
        delivery_date,
        row_number() over (
            partition by visit_id order by delivery_date, source_row_number
        ) as occurrence
    from visits
),

communities as (
    select
        division_code,
        district_code
    from {{ ref('dim_division') }}
    where division_level = 'community'
),

final as (
    select
        ranked.visit_id,
        ranked.hospital_id,
        coalesce(ranked.department, 'unknown') as department,
        ranked.visited_at,
        cast(ranked.visited_at as date) as date_day,
        ranked.patient_pseudonym,
        {{ age_band('ranked.patient_age_years') }} as age_band,
        communities.division_code as patient_community_code,
        communities.district_code as patient_district_code,
        case when ranked.fee_yuan >= 0 then ranked.fee_yuan end as fee_yuan,
        ranked.delivery_date
    from ranked
    left join communities on ranked.patient_community_code = communities.division_code
    where ranked.occurrence = 1
)

select * from final
