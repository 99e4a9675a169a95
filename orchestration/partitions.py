"""The nightly partitioning: one partition per day, in the city's time zone."""

from dagster import DailyPartitionsDefinition

from orchestration.settings import TIMEZONE, first_day

# From CITYBASE_FIRST_DAY: a feed's own history can be built, not only days after 2024.
daily_partitions = DailyPartitionsDefinition(start_date=first_day().isoformat(), timezone=TIMEZONE)
