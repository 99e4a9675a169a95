"""The platform's clock: every "what time is it" and "what day is it" asks here.

Times are the city's wall-clock time (Asia/Shanghai), naive, to the second: what the warehouse
stores and what bureaus read. Setting CITYBASE_NOW (an ISO date or date-time, read as city time)
stops the clock at that moment, so that a test, a replay of an old night or an operator's dry run
sees the same "today" on any machine and any date; nothing else in the code reads the system
clock for a date.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from orchestration.errors import CitybaseError
from orchestration.settings import TIMEZONE

CLOCK_VARIABLE = "CITYBASE_NOW"


class ClockError(CitybaseError, ValueError):
    """CITYBASE_NOW does not say a moment."""


CITY_TIME = ZoneInfo(TIMEZONE)


def now() -> dt.datetime:
    """The current city time, naive, without microseconds (or CITYBASE_NOW when set)."""
    fixed = os.environ.get(CLOCK_VARIABLE, "").strip()
    if fixed:
        try:
            moment = dt.datetime.fromisoformat(fixed)
        except ValueError:
            raise ClockError(
                f"{CLOCK_VARIABLE}={fixed!r} is not a date or date-time like 2026-10-02T08:00; "
                f"unset it to use the system clock"
            ) from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(CITY_TIME).replace(tzinfo=None)
        return moment.replace(microsecond=0)
    return dt.datetime.now(CITY_TIME).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    """The current date in the city."""
    return now().date()


def last_night() -> dt.date:
    """The day a night's run covers by default: yesterday in the city."""
    return today() - dt.timedelta(days=1)


def city_time(timestamp: float) -> dt.datetime:
    """A POSIX timestamp (a file's mtime, say) as city wall-clock time."""
    return dt.datetime.fromtimestamp(timestamp, CITY_TIME).replace(tzinfo=None)
