"""Day types of the Chinese calendar: workdays, weekends, holidays and make-up workdays (调休)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def day_type(day: dt.date) -> str:
    """'workday', 'makeup_workday', 'weekend' or 'holiday'.

    chinese-calendar knows the State Council's schedule up to its release year; past that, plain
    weekdays and weekends are the honest fallback.
    """
    try:
        if chinese_calendar.is_holiday(day):
            named = chinese_calendar.get_holiday_detail(day)[1] is not None
            return "holiday" if named else "weekend"
        return "makeup_workday" if day.weekday() >= 5 else "workday"
    except NotImplementedError:  # chinese-calendar's signal for a year it has no schedule for
        return "weekend" if day.weekday() >= 5 else "workday"


def is_working(day: dt.date) -> bool:
    return day_type(day) in ("workday", "makeup_workday")
