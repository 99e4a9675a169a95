{#- Outpatient visits per day, hospital, department, age band and the patient's home district.
    Counts only: no person-level rows leave the intermediate layer. Fees below zero are not
    believable and are left out of the fee total. -#}
{{ config(**incremental_by_day('date_day')) }}

with visits as (
    select
        date_day,
        hospital_id,
        department,
        age_band,
        patient_district_code,
        patient_pseudonym,
        fee_yuan,
        delivery_date
    from {{ ref('int_outpatient_visits_deduplicated') }}
),

visits_to_build as (
    select
        date_day,
        hospital_id,
        department,
        age_band,
        patient_district_code,
        patient_pseudonym,
        fee_yuan
    from visits
    {{ days_to_build('visits', 'date_day') }}
),

final as (
    select
        date_day,
        hospital_id,
        department,
        age_band,
        patient_district_code,
        count(*) as visits,
        count(distinct patient_pseudonym) as patients,
        {{ exact_sum('fee_yuan') }} as fees_yuan
    from visits_to_build
    group by date_day, hospital_id, department, age_band, patient_district_code
)

select * from final
