"""The nightly partitioning: one partition per day, in the city's time zone.

The day a night builds is one value with one name: `day`, a `datetime.date`. The partition
key (its ISO text) exists only at Dagster's boundary, and these two functions are the one
place it is parsed. The tables keep their own column for it: `run_date` in quality.*,
`partition_date` in raw._manifest, `delivery_date` on every loaded row, and dbt's run_date().
"""

import datetime as dt

from dagster import AssetExecutionContext, DailyPartitionsDefinition

from orchestration.settings import TIMEZONE, first_day

# From CITYBASE_FIRST_DAY: a feed's own history can be built, not only days after 2024.
daily_partitions = DailyPartitionsDefinition(start_date=first_day().isoformat(), timezone=TIMEZONE)


def night_day(context: AssetExecutionContext) -> dt.date:
    """The day the running step builds (its partition)."""
    return dt.date.fromisoformat(context.partition_key)


def last_night_day(context: AssetExecutionContext) -> dt.date:
    """The last day of the partition range a step builds at once (a single-run backfill)."""
    return dt.date.fromisoformat(context.partition_key_range.end)
