"""China's day types (workday, weekend, holiday, make-up workday 调休) from chinese-calendar:
for the demo city's rhythms and for the public-holiday seed of dim_date.

The State Council announces each year's holidays and make-up workdays (调休) late in the previous
year; chinese-calendar carries them. The warehouse reads them from a dbt seed rather than calling
Python inside a model, so the models stay plain SQL that any engine runs. Re-run
`citybase holidays` after upgrading chinese-calendar each year.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import chinese_calendar

from orchestration.settings import DBT_PROJECT_DIR

SEED_PATH = DBT_PROJECT_DIR / "seeds" / "cn_public_holidays.csv"
FIRST_YEAR = 2004  # the first year chinese-calendar knows
NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}
COLUMNS = ["calendar_date", "day_type", "holiday_name_en", "holiday_name_zh"]


def last_covered_year() -> int:
    """The last year whose schedule the installed chinese-calendar knows."""
    return max(chinese_calendar.constants.holidays).year


def _schedule_known(day: dt.date) -> bool:
    return min(chinese_calendar.constants.holidays).year <= day.year <= last_covered_year()


def day_type(day: dt.date) -> str:
    """'workday', 'makeup_workday', 'weekend' or 'holiday'.

    chinese-calendar knows the State Council's schedule up to its release year; outside the
    years it covers, plain weekdays and weekends are the honest fallback.
    """
    if not _schedule_known(day):
        return "weekend" if day.weekday() >= 5 else "workday"
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if on_holiday:
        return "holiday" if name is not None else "weekend"
    return "makeup_workday" if day.weekday() >= 5 else "workday"


def is_working(day: dt.date) -> bool:
    return day_type(day) in ("workday", "makeup_workday")


def holiday_rows(first_year: int = FIRST_YEAR) -> list[dict[str, str]]:
    """Named holidays and make-up workdays; plain weekends are left to dim_date."""
    rows = []
    day, last = dt.date(first_year, 1, 1), dt.date(last_covered_year(), 12, 31)
    while day <= last:
        kind = day_type(day)
        if kind in ("holiday", "makeup_workday"):
            name = chinese_calendar.get_holiday_detail(day)[1] or ""
            rows.append(
                {
                    "calendar_date": day.isoformat(),
                    "day_type": kind,
                    "holiday_name_en": name,
                    "holiday_name_zh": NAMES_ZH.get(name, name),
                }
            )
        day += dt.timedelta(days=1)
    return rows


def write_seed(path: Path = SEED_PATH) -> int:
    rows = holiday_rows()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
