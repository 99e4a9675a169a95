{#- Per service item and day of submission: online share (网办率), on-time rate among completed
    applications, mean processing working days and good-rating rate (好评率) among rated ones. -#}
with applications as (
    select
        date_day,
        item_code,
        department,
        is_online,
        completed_at,
        processing_working_days,
        is_on_time,
        rating,
        is_good_rating
    from {{ ref('fct_service_applications') }}
),

final as (
    select
        date_day,
        item_code,
        department,
        count(*) as applications,
        count(case when is_online then 1 end) as online_applications,
        avg(case when is_online then 1e0 else 0e0 end) as online_share,
        count(processing_working_days) as completed_applications,
        avg(case when is_on_time then 1e0 when not is_on_time then 0e0 end) as on_time_rate,
        avg(processing_working_days) as mean_processing_working_days,
        count(rating) as rated_applications,
        avg(case when is_good_rating then 1e0 when not is_good_rating then 0e0 end)
            as good_rating_rate
    from applications
    group by date_day, item_code, department
)

select * from final
