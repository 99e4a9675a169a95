{#- The calendar: one row per day from var calendar_start to calendar_end, with China's public
    holidays and make-up workdays (调休) from the holiday seed. -#}
with days as (
    {{ date_spine(var('calendar_start'), var('calendar_end')) }}
),

holidays as (
    select
        calendar_date,
        day_type,
        holiday_name_en,
        holiday_name_zh
    from {{ ref('cn_public_holidays') }}
),

seed_coverage as (
    select
        min(extract(year from calendar_date)) as first_year,
        max(extract(year from calendar_date)) as last_year
    from holidays
),

attributes as (
    select
        days.date_day,
        cast(extract(year from days.date_day) as integer) as year_number,
        cast(extract(quarter from days.date_day) as integer) as quarter_number,
        cast(extract(month from days.date_day) as integer) as month_number,
        cast(extract(day from days.date_day) as integer) as day_of_month,
        cast({{ iso_day_of_week("days.date_day") }} as integer) as day_of_week_iso,
        cast(extract(week from days.date_day) as integer) as iso_week_number,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start_date,
        holidays.day_type as announced_day_type,
        holidays.holiday_name_en,
        holidays.holiday_name_zh,
        extract(year from days.date_day)
        between seed_coverage.first_year and seed_coverage.last_year as is_schedule_known
    from days
    cross join seed_coverage
    left join holidays on days.date_day = holidays.calendar_date
),

final as (
    select
        date_day,
        year_number,
        quarter_number,
        month_number,
        day_of_month,
        day_of_week_iso,
        iso_week_number,
        week_start_date,
        month_start_date,
        holiday_name_en,
        holiday_name_zh,
        is_schedule_known,
        coalesce(
            announced_day_type,
            case when day_of_week_iso >= 6 then 'weekend' else 'workday' end
        ) as day_type,
        coalesce(
            announced_day_type,
            case when day_of_week_iso >= 6 then 'weekend' else 'workday' end
        ) in ('workday', 'makeup_workday') as is_working_day
    from attributes
)

select * from final
