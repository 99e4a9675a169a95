"""The public-holiday seed of dim_date, written from chinese-calendar.

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
FIRST_YEAR = 2024
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


def holiday_rows(first_year: int = FIRST_YEAR) -> list[dict[str, str]]:
    """Named holidays and make-up workdays; plain weekends are left to dim_date."""
    rows = []
    day, last = dt.date(first_year, 1, 1), dt.date(last_covered_year(), 12, 31)
    while day <= last:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        day_type = None
        if on_holiday and name is not None:
            day_type = "holiday"
        elif not on_holiday and day.weekday() >= 5:
            day_type = "makeup_workday"
        if day_type:
            rows.append(
                {
                    "calendar_date": day.isoformat(),
                    "day_type": day_type,
                    "holiday_name_en": name or "",
                    "holiday_name_zh": NAMES_ZH.get(name, name or ""),
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
