{#- Which GTFS services run on which day: calendar.txt's weekly pattern within its dates, minus
    the days calendar_dates.txt removes, plus the days it adds. Limited to dim_date's span. -#}
with calendars as (
    select
        service_id,
        start_date,
        end_date,
        runs_monday,
        runs_tuesday,
        runs_wednesday,
        runs_thursday,
        runs_friday,
        runs_saturday,
        runs_sunday
    from {{ ref('stg_transport__gtfs_calendar') }}
),

exceptions as (
    select
        service_id,
        service_date,
        exception_type
    from {{ ref('stg_transport__gtfs_calendar_dates') }}
),

days as (
    select
        date_day,
        day_of_week_iso
    from {{ ref('dim_date') }}
),

weekly as (
    select
        calendars.service_id,
        days.date_day
    from calendars
    inner join days
        on
            days.date_day between calendars.start_date and calendars.end_date
            and case days.day_of_week_iso
                when 1 then calendars.runs_monday
                when 2 then calendars.runs_tuesday
                when 3 then calendars.runs_wednesday
                when 4 then calendars.runs_thursday
                when 5 then calendars.runs_friday
                when 6 then calendars.runs_saturday
                when 7 then calendars.runs_sunday
            end
),

kept as (
    select
        weekly.service_id,
        weekly.date_day
    from weekly
    left join exceptions as removed
        on
            weekly.service_id = removed.service_id
            and weekly.date_day = removed.service_date
            and removed.exception_type = 2
    where removed.service_id is null
),

added as (
    select
        exceptions.service_id,
        exceptions.service_date as date_day
    from exceptions
    inner join days on exceptions.service_date = days.date_day
    where exceptions.exception_type = 1
),

service_days as (
    select
        service_id,
        date_day
    from kept
    union
    select
        service_id,
        date_day
    from added
)

select * from service_days
