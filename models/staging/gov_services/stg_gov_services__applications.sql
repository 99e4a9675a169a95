with source as (
    select * from {{ source('raw_gov_services', 'gov_services__applications') }}
),

typed as (
    select
        application_id,
        item_code,
        applicant_id_number as applicant_pseudonym,
        applicant_id_number_checksum_ok as is_applicant_id_valid,
        {{ age_in_years('applicant_id_number_birth_date', 'cast(submitted_at as timestamp)') }}
            as applicant_age_years,
        applicant_id_number_sex as applicant_sex,
        channel,
        community_code,
        cast(submitted_at as timestamp) as submitted_at,
        cast(accepted_at as timestamp) as accepted_at,
        cast(completed_at as timestamp) as completed_at,
        status,
        {{ lineage_columns() }}
    from source
)

select * from typed
