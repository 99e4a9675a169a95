"""The nightly build as two jobs: land and check every delivery, then build and publish.

Two runs, not one, because Dagster skips every step downstream of a failed one: in a single run,
one bureau's unreadable delivery or failed blocking check would stop the warehouse build and the
publication of all seven. Split, the extract run fails for that bureau alone, the build run
builds everything, and the publish step holds back exactly the datasets whose lineage failed.
Both run in process: DuckDB takes one writer at a time anyway, and a process per step would cost
more than most steps' work.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
)

RAW = AssetSelection.groups("raw")

extract_job = define_asset_job(
    "nightly_extract",
    selection=RAW,
    executor_def=in_process_executor,
    description="Night, part 1: land every bureau's delivery for the day, load it into raw, "
    "run the source suites (failing rows quarantined).",
)

build_job = define_asset_job(
    "nightly_build",
    selection=AssetSelection.all() - RAW,
    executor_def=in_process_executor,
    description="Night, part 2: dbt build of the warehouse (models and tests), then "
    "write-audit-publish of the open data.",
)

nightly_schedule = build_schedule_from_partitioned_job(
    extract_job,
    name="nightly_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 Asia/Shanghai: land the previous day; the build follows (see sensors).",
)


def _build_after(status: DagsterRunStatus) -> SensorDefinition:
    @run_status_sensor(
        name=f"build_after_extract_{status.value.lower()}",
        run_status=status,
        monitored_jobs=[extract_job],
        request_job=build_job,
        description="Starts the night's build for the same day once the extract run ends, "
        "whether or not every bureau's delivery passed (the publish gate decides per dataset).",
    )
    def _sensor(context: RunStatusSensorContext):
        partition = context.dagster_run.tags.get("dagster/partition")
        if partition:
            yield RunRequest(run_key=context.dagster_run.run_id, partition_key=partition)

    return _sensor


build_sensors = [_build_after(DagsterRunStatus.SUCCESS), _build_after(DagsterRunStatus.FAILURE)]
