{#- Applications by service item and channel, one row per application with the applicant's
    pseudonym: answered only through differentially private queries (citybase serve). -#}
with applications as (
    select
        applicant_pseudonym,
        submitted_at,
        item_code,
        channel,
        community_code,
        processing_working_days,
        delivery_date
    from {{ ref('int_applications_timed') }}
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
        applications.applicant_pseudonym as person_pseudonym,
        applications.item_code,
        communities.district_code,
        applications.processing_working_days,
        applications.delivery_date,
        cast(applications.submitted_at as date) as date_day,
        coalesce(applications.channel, 'unknown') as channel
    from applications
    left join communities on applications.community_code = communities.division_code
    where applications.applicant_pseudonym is not null and applications.submitted_at is not null
)

select * from final
