"""The nightly partitioning: one partition per day, in the city's time zone."""

from dagster import DailyPartitionsDefinition

from orchestration.settings import TIMEZONE

daily_partitions = DailyPartitionsDefinition(start_date="2024-01-01", timezone=TIMEZONE)
