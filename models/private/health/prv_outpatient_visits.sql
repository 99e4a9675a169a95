{#- Outpatient visits by age band and home district, one row per visit with the patient's
    pseudonym: answered only through differentially private queries (citybase serve). -#}
with visits as (
    select
        patient_pseudonym,
        date_day,
        age_band,
        patient_district_code,
        department,
        fee_yuan,
        delivery_date
    from {{ ref('int_outpatient_visits_deduplicated') }}
),

final as (
    select
        patient_pseudonym as person_pseudonym,
        date_day,
        age_band,
        patient_district_code as district_code,
        department,
        fee_yuan,
        delivery_date
    from visits
    where patient_pseudonym is not null
)

select * from final
