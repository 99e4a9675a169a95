"""The night as four jobs: land and check every delivery; build the warehouse; publish; report.

Four runs, not one, because Dagster skips every step downstream of a failed one: in a single
run, one bureau's unreadable delivery or failed blocking check would stop the warehouse build and
the publication of all seven. Split, the extract run fails for that bureau alone, the build run
builds everything, the publish run holds back exactly the datasets whose lineage failed, and
the report run tells every bureau what happened (a failed scan in publishing would otherwise
skip the reports too).
Both run in process: DuckDB takes one writer at a time anyway, and a process per step would cost
more than most steps' work.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
)

from orchestration.freshness import freshness_checks

# The freshness checks watch the raw assets from outside the night (their own sensor): a
# night that fails to land a delivery must not also fail them as skipped steps.
RAW_GROUP = AssetSelection.groups("raw")
RAW = RAW_GROUP - AssetSelection.checks(*freshness_checks)
PUBLISHED = AssetSelection.groups("published")
REPORTS = AssetSelection.groups("reports")

extract_job = define_asset_job(
    "nightly_extract",
    selection=RAW,
    executor_def=in_process_executor,
    description="Night, part 1: land every bureau's delivery for the day, load it into raw, "
    "run the source suites (failing rows quarantined).",
)

build_job = define_asset_job(
    "nightly_build",
    selection=AssetSelection.all() - RAW_GROUP - PUBLISHED - REPORTS,
    executor_def=in_process_executor,
    description="Night, part 2: dbt build of the warehouse and the open-data audit tables "
    "(models and tests).",
)

publish_job = define_asset_job(
    "nightly_publish",
    selection=PUBLISHED,
    executor_def=in_process_executor,
    description="Night, part 3: write-audit-publish of every open dataset whose lineage passed "
    "its blocking checks; the others keep their last good release.",
)

report_job = define_asset_job(
    "nightly_report",
    selection=REPORTS,
    executor_def=in_process_executor,
    description="Night, part 4: every bureau's data-quality report and the city overview.",
)

NIGHT = (extract_job, build_job, publish_job, report_job)

nightly_schedule = build_schedule_from_partitioned_job(
    extract_job,
    name="nightly_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 Asia/Shanghai: land the previous day; the build follows (see sensors).",
)
