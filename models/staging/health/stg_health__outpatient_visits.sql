with source as (
    select * from {{ source('raw_health', 'health__outpatient_visits') }}
),

typed as (
    select
        visit_id,
        hospital_id,
        department,
        cast(visited_at as timestamp) as visited_at,
        patient_id_number as patient_pseudonym,
        patient_id_number_checksum_ok as is_patient_id_valid,
        {{ age_in_years('patient_id_number_birth_date', 'cast(visited_at as timestamp)') }}
            as patient_age_years,
        patient_id_number_sex as patient_sex,
        patient_community_code,
        diagnosis_group,
        cast(fee_yuan as double) as fee_yuan,
        {{ lineage_columns() }}
    from source
)

select * from typed
