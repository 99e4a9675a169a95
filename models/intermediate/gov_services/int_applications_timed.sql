{#- Applications, one row per application_id (the latest delivery wins: a later export may carry
    a completion), with processing time in working days from dim_date: the working days after
    the day of acceptance up to and including the day of completion, so an application accepted
    and completed on the same day took 0. Completion before acceptance or submission cannot be
    true: its processing time is left empty and the row flagged. -#}
with ranked as (
    select
        application_id,
        item_code,
        applicant_pseudonym,
        channel,
        community_code,
        applicant_age_years,
        submitted_at,
        accepted_at,
        completed_at,
        status,
        delivery_date,
        row_number() over (
            partition by application_id order by delivery_date desc, source_row_number desc
        ) as recency
    from {{ ref('stg_gov_services__applications') }}
),

applications as (
    select
        application_id,
        item_code,
        applicant_pseudonym,
        channel,
        community_code,
        applicant_age_years,
        submitted_at,
        accepted_at,
        completed_at,
        status,
        delivery_date,
        completed_at < submitted_at or completed_at < accepted_at as has_impossible_times
    from ranked
    where recency = 1
),

working_days as (
    select date_day
    from {{ ref('dim_date') }}
    where is_working_day
),

elapsed as (
    select
        applications.application_id,
        count(working_days.date_day) as processing_working_days
    from applications
    left join working_days
        on
            working_days.date_day > cast(applications.accepted_at as date)
            and working_days.date_day <= cast(applications.completed_at as date)
    where applications.completed_at is not null and not applications.has_impossible_times
    group by applications.application_id
),

final as (
    select
        applications.application_id,
        applications.item_code,
        applications.applicant_pseudonym,
        applications.channel,
        applications.community_code,
        applications.applicant_age_years,
        applications.submitted_at,
        applications.accepted_at,
        applications.completed_at,
        applications.status,
        applications.has_impossible_times,
        elapsed.processing_working_days,
        applications.delivery_date
    from applications
    left join elapsed on applications.application_id = elapsed.application_id
)

select * from final
