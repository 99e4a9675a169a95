{#- One row per application (an accumulating snapshot: completion and rating arrive after
    submission), rebuilt in full each night so that late completions and ratings land on the
    application they belong to. -#}
with applications as (
    select
        application_id,
        item_code,
        channel,
        community_code,
        applicant_age_years,
        submitted_at,
        accepted_at,
        completed_at,
        status,
        has_impossible_times,
        processing_working_days
    from {{ ref('int_applications_timed') }}
),

latest_ratings as (
    select
        application_id,
        rating,
        rating_level,
        rated_at,
        row_number() over (partition by application_id order by rated_at desc, rating_id desc)
            as recency
    from {{ ref('stg_gov_services__ratings') }}
),

ratings as (
    select
        application_id,
        rating,
        rating_level,
        rated_at
    from latest_ratings
    where recency = 1
),

items as (
    select
        item_code,
        department,
        statutory_limit_working_days,
        promised_limit_working_days
    from {{ ref('dim_service_item') }}
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
        applications.application_id,
        cast(applications.submitted_at as date) as date_day,
        applications.item_code,
        items.department,
        applications.channel,
        coalesce(applications.channel in ('online', 'mobile_app'), false) as is_online,
        communities.division_code as community_code,
        communities.district_code,
        {{ age_band('applications.applicant_age_years') }} as applicant_age_band,
        applications.submitted_at,
        applications.accepted_at,
        applications.completed_at,
        applications.status,
        applications.has_impossible_times,
        applications.processing_working_days,
        items.statutory_limit_working_days,
        items.promised_limit_working_days,
        applications.processing_working_days <= items.statutory_limit_working_days as is_on_time,
        applications.processing_working_days <= items.promised_limit_working_days
            as is_within_promise,
        ratings.rating,
        ratings.rating_level,
        ratings.rating >= {{ var('good_rating_min') }} as is_good_rating,
        ratings.rated_at
    from applications
    left join items on applications.item_code = items.item_code
    left join communities on applications.community_code = communities.division_code
    left join ratings on applications.application_id = ratings.application_id
)

select * from final
