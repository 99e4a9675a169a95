"""Deadlines in working days on China's calendar: holidays do not count, make-up workdays (调休)
do. The same day types the warehouse's dim_date is built from (orchestration.holidays)."""

from __future__ import annotations

import datetime as dt

from orchestration.holidays import is_working


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (start itself does not count: an application
    made on a Tuesday with 1 working day is due on the next working day)."""
    if days < 1:
        raise ValueError(f"a deadline needs at least 1 working day, not {days}")
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += is_working(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    day, counted = start, 0
    while day < end:
        day += dt.timedelta(days=1)
        counted += is_working(day)
    return counted
