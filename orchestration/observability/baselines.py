"""Baselines that know the calendar: what a metric usually is on the same kind of day.

A delivery is compared with the recent nights of its day type — working days (a make-up
workday, 调休, counts as one), weekends, public holidays — from the same State Council schedule
that dim_date's seed is made of (orchestration/holidays). A holiday with too little holiday
history is compared with rest days (weekends and holidays): National Day's low ridership is
judged against other days off, never against workdays.

The baseline is robust: the median and the median absolute deviation (MAD), which one bad
night in the history does not move.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from orchestration.holidays import day_type

MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of a normal series

GROUPS = {"workday": "working", "makeup_workday": "working", "weekend": "weekend"}
GROUPS["holiday"] = "holiday"
FALLBACK = {"holiday": "rest", "weekend": "rest"}
MEMBERS = {
    "working": {"workday", "makeup_workday"},
    "weekend": {"weekend"},
    "holiday": {"holiday"},
    "rest": {"weekend", "holiday"},
}
GROUP_NAMES = {
    "working": ("工作日（含调休）", "working days (make-up workdays included)"),
    "weekend": ("周末", "weekends"),
    "holiday": ("法定节假日", "public holidays"),
    "rest": ("休息日（周末及节假日）", "days off (weekends and holidays)"),
}


@dataclass(frozen=True)
class Baseline:
    group: str  # working | weekend | holiday | rest
    history: list[tuple[dt.date, float]]  # the nights compared with, oldest first
    median: float
    mad: float

    @property
    def compared_with(self) -> str:
        zh, en = GROUP_NAMES[self.group]
        return f"{zh} / {en}"

    def sigma(self, floor: float) -> float:
        """The spread used for z-scores, never below `floor` (a constant series has MAD 0)."""
        return max(MAD_TO_SIGMA * self.mad, floor)


def comparable(
    day: dt.date, history: dict[dt.date, float], window: int, min_history: int
) -> tuple[str, list[tuple[dt.date, float]]] | None:
    """The latest `window` nights before `day` of its day type (or of the fallback group), or
    None while there are fewer than `min_history` of them (the baseline is still learning)."""
    group = GROUPS[day_type(day)]
    for candidate in (group, FALLBACK.get(group)):
        if candidate is None:
            break
        nights = sorted(
            (d, v)
            for d, v in history.items()
            if d < day and v is not None and day_type(d) in MEMBERS[candidate]
        )[-window:]
        if len(nights) >= min_history:
            return candidate, nights
    return None


def robust(values: list[float]) -> tuple[float, float]:
    """Median and median absolute deviation."""
    median = statistics.median(values)
    return median, statistics.median(abs(v - median) for v in values)


def baseline_of(
    day: dt.date, history: dict[dt.date, float], window: int, min_history: int, log: bool = False
) -> Baseline | None:
    """The baseline of a series for `day`; `log`: on the logarithm (levels that scale)."""
    found = comparable(day, history, window, min_history)
    if found is None:
        return None
    group, nights = found
    values = [math.log(v) for _, v in nights] if log else [v for _, v in nights]
    median, mad = robust(values)
    return Baseline(group, nights, median, mad)
