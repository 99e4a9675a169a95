"""dim_date's holiday seed agrees with chinese-calendar, and the built dim_date with the seed."""

from __future__ import annotations

import csv
import datetime as dt

import chinese_calendar

from orchestration.holidays import SEED_PATH, holiday_rows, last_covered_year


def test_the_committed_seed_is_what_chinese_calendar_says() -> None:
    with SEED_PATH.open(encoding="utf-8") as seed:
        committed = list(csv.DictReader(seed))
    assert committed == holiday_rows(), "run `citybase holidays` and commit the seed"
    assert int(committed[-1]["calendar_date"][:4]) == last_covered_year()


def test_seed_day_types_match_the_library_on_known_days() -> None:
    by_day = {r["calendar_date"]: r for r in holiday_rows()}
    assert by_day["2026-10-01"]["day_type"] == "holiday"
    assert by_day["2026-10-01"]["holiday_name_zh"] == "国庆节"
    assert by_day["2026-10-10"]["day_type"] == "makeup_workday"  # a Saturday worked
    assert "2026-10-11" not in by_day  # a plain Sunday
    for text, row in by_day.items():
        day = dt.date.fromisoformat(text)
        assert chinese_calendar.is_workday(day) == (row["day_type"] == "makeup_workday")
