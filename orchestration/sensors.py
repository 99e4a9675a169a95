"""Sensors: the night's jobs chained, and each bureau's drop watched for late or corrected files.

A delivery that arrives (or is replaced) for a day whose night has already run launches that
bureau's extract for that day alone; the chain then builds, publishes and reports only what
depends on that bureau's raw assets, for that day. The raw keys that started a chain travel with
it as the run tag `citybase/changed`, so each link selects downstream of them; the nightly chain
has no such tag and runs whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)

from orchestration import clock
from orchestration.connectors.files import dated_deliveries
from orchestration.contracts.model import Contract
from orchestration.jobs import NIGHT, extract_job
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.settings import citybase_home

CHANGED_TAG = "citybase/changed"
LOOKBACK_DAYS = 60  # older corrections are for `citybase backfill`


def _changed_keys(run) -> list[AssetKey] | None:
    """The raw assets a partial chain started from, or None for a whole night."""
    if CHANGED_TAG in run.tags:
        return [AssetKey.from_user_string(k) for k in json.loads(run.tags[CHANGED_TAG])]
    return None


def _chain(after, then, status: DagsterRunStatus) -> SensorDefinition:
    @run_status_sensor(
        name=f"{then.name}_after_{after.name}_{status.value.lower()}",
        run_status=status,
        monitored_jobs=[after],
        request_job=then,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Starts {then.name} for the same day once {after.name} ends, whether or "
        "not every bureau passed (the publish gate decides per dataset).",
    )
    def _sensor(context: RunStatusSensorContext):
        run = context.dagster_run
        partition = run.tags.get("dagster/partition")
        if not partition:
            return
        changed = _changed_keys(run)
        if changed is None:
            yield RunRequest(run_key=run.run_id, partition_key=partition)
            return
        graph = context.repository_def.asset_graph
        downstream = AssetSelection.assets(*changed).downstream().resolve(graph)
        selection = sorted(downstream & then.selection.resolve(graph))
        if selection:
            yield RunRequest(
                run_key=run.run_id,
                partition_key=partition,
                asset_selection=selection,
                tags={CHANGED_TAG: run.tags[CHANGED_TAG]},
            )

    return _sensor


chain_sensors = [
    _chain(after, then, status)
    for after, then in itertools.pairwise(NIGHT)
    for status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE)
]


def _night_ran(context: SensorEvaluationContext, day: dt.date) -> bool:
    runs = context.instance.get_runs(
        RunsFilter(job_name=extract_job.name, tags={"dagster/partition": day.isoformat()}),
        limit=1,
    )
    return bool(runs)


def delivery_sensor(bureau: str, contracts: list[Contract]) -> SensorDefinition:
    """Watches the bureau's dated file drops. The cursor holds each file's size and mtime;
    the first evaluation only records them."""
    watched = [c for c in contracts if c.bureau == bureau]

    @sensor(
        name=f"{bureau}_late_deliveries",
        job=extract_job,
        minimum_interval_seconds=120,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Re-runs the {bureau} bureau's extract, and what depends on it, for a past "
        "day whose delivery arrives late or is replaced.",
    )
    def _sensor(context: SensorEvaluationContext):
        home = citybase_home()
        earliest = clock.today() - dt.timedelta(days=LOOKBACK_DAYS)
        seen = json.loads(context.cursor) if context.cursor else None
        now: dict[str, list[int]] = {}
        changed: dict[dt.date, set[AssetKey]] = {}
        files: dict[dt.date, list] = {}
        for contract in watched:
            for day, path in dated_deliveries(contract, home).items():
                if day < earliest:
                    continue
                stat = path.stat()
                now[str(path)] = [stat.st_size, stat.st_mtime_ns]
                if seen is not None and seen.get(str(path)) != now[str(path)]:
                    keys = [raw_asset_key(contract), *gtfs_table_keys(contract).values()]
                    changed.setdefault(day, set()).update(keys)
                    files.setdefault(day, []).append([str(path), *now[str(path)]])
        context.update_cursor(json.dumps(now))
        requests = []
        for day, keys in sorted(changed.items()):
            if not _night_ran(context, day):
                continue  # not a past night yet: the schedule or a backfill will land it
            names = json.dumps(sorted(k.to_user_string() for k in keys))
            version = hashlib.sha256(json.dumps(sorted(files[day])).encode()).hexdigest()[:16]
            requests.append(
                RunRequest(
                    run_key=f"{bureau}:{day}:{version}",
                    partition_key=day.isoformat(),
                    asset_selection=sorted(keys),
                    tags={CHANGED_TAG: names},
                )
            )
        return requests or SkipReason("no late or corrected delivery")

    return _sensor
