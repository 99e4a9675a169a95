"""A night, headless: the four jobs for one day in this process, recorded in the Dagster
instance, as the schedule and its sensors run them. The one place outside Dagster's daemon that
drives a night: `citybase nightly`, `backfill` and `demo` call it, and so do the tests."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestration.settings import Paths

if TYPE_CHECKING:
    import datetime as dt

    from orchestration.progress import NightView


def prepare_environment(where: Paths) -> None:
    """A home and a Dagster instance ready for a night: private folders, dagster.yaml, the
    warehouse writers' pool, and the demo's key when none is configured. The home is passed to
    each run (its `home` resource), not planted in this process's environment."""
    from orchestration.permissions import restrict_process, secure_home

    restrict_process()
    secure_home(where.home)
    from dagster import DagsterInstance

    from orchestration.instance import ensure_warehouse_pool, write_instance_yaml

    write_instance_yaml(where.dagster_home)
    with DagsterInstance.from_config(str(where.dagster_home)) as instance:
        ensure_warehouse_pool(instance)
    if where.democity.is_dir():
        from orchestration.privacy import use_demo_key_unless_configured

        use_demo_key_unless_configured()


def run_config(where: Paths, log_level: str) -> dict:
    """What each run of a headless night is given: its home (the `home` resource, which
    reads CITYBASE_HOME only when left empty, as in the UI) and its console log level."""
    return {
        "resources": {"home": {"config": {"home": str(where.home)}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


@contextmanager
def demo_services(where: Paths) -> Iterator[None]:
    """Starts the demo tourism API when the demo city is here and no real API is configured,
    and exports its address as an operator would: the tourism contracts read it from
    CITYBASE_TOURISM_API_URL (restored afterwards)."""
    if "CITYBASE_TOURISM_API_URL" in os.environ or not (where.democity / "tourism").is_dir():
        yield
        return
    from orchestration.democity import api

    os.environ.setdefault("CITYBASE_TOURISM_API_TOKEN", api.DEFAULT_TOKEN)
    with api.serve(where.democity) as url:
        os.environ["CITYBASE_TOURISM_API_URL"] = url
        try:
            yield
        finally:
            del os.environ["CITYBASE_TOURISM_API_URL"]


@dataclass
class NightResult:
    """Whether every job of the night succeeded, and each job's wall time in seconds."""

    success: bool
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)  # bytes, this process and children

    def __bool__(self) -> bool:
        return self.success


def run_nightly(
    day: dt.date,
    where: Paths,
    log_level: str = "INFO",
    tags: dict[str, str] | None = None,
    view: NightView | None = None,
) -> NightResult:
    """Runs the night's four jobs (extract, build, publish, report) for one day in this process,
    recorded in the Dagster instance. Each runs even when the one before failed, as the sensors
    do: the publish gate decides per dataset. A failed job is alerted (log and webhook).
    `log_level` is Dagster's console log (dbt's node log is INFO); `view`, when given, shows
    each job's steps as it ends and the night as a table."""
    prepare_environment(where)
    from dagster import DagsterInstance

    from orchestration.alerts import alert_for, send_alert
    from orchestration.definitions import defs
    from orchestration.instance import keep_connections, process_tags, reap_dead_runs
    from orchestration.jobs import NIGHT
    from orchestration.location import CONTRACTS
    from orchestration.memory import PeakRss
    from orchestration.preflight import ABSENT_SOURCES_TAG, check_night

    # Disposed at the end: the event log's pooled connections close and SQLite folds its WAL.
    with DagsterInstance.from_config(str(where.dagster_home)) as instance:
        keep_connections(instance)
        for run_id in reap_dead_runs(instance):
            print(
                f"run {run_id} died mid-way (its process is gone): marked failed", file=sys.stderr
            )
        results, seconds, peak_rss, failed = [], {}, {}, []
        with demo_services(where):
            looks = check_night(CONTRACTS, day, where.home)  # stops a night of nothing
            absent = [look for look in looks if look.absent]
            for look in absent:
                print(
                    f"{look.contract.bureau}/{look.contract.dataset}: absent ({look.where}); "
                    "its step fails without waiting on retries",
                    file=sys.stderr,
                )
            if absent:
                keys = ",".join(sorted(look.contract.key for look in absent))
                tags = {**(tags or {}), ABSENT_SOURCES_TAG: keys}
            for job in NIGHT:
                started = time.perf_counter()
                # dagster-dbt copies dbt's whole log to stdout: the view says what happened
                # instead, and dbt keeps its own log file (the home's dbt/dbt.log)
                with (
                    PeakRss() as peak,
                    view.job(job.name, day) if view else nullcontext(),
                    open(os.devnull, "w") if view else nullcontext() as sink,
                    redirect_stdout(sink) if view else nullcontext(),
                ):
                    result = defs.resolve_job_def(job.name).execute_in_process(
                        partition_key=day.isoformat(),
                        instance=instance,
                        raise_on_error=False,
                        run_config=run_config(where, log_level),
                        tags={**process_tags(), **(tags or {})},
                    )
                seconds[job.name] = time.perf_counter() - started
                if view:
                    view.job_done(
                        instance, job.name, result.run_id, result.success, seconds[job.name]
                    )
                peak_rss[job.name] = peak.bytes
                results.append(result)
                step_failures = [e for e in result.all_events if e.is_step_failure]
                failed += step_failures
                if not result.success:
                    send_alert(alert_for(result.dagster_run, step_failures))
    if view:
        view.night_done(day)
    success = all(result.success for result in results)
    if not success:
        print(
            f"The nightly build of {day} failed in {len(failed)} step(s); the rest ran. "
            "Fix the delivery and re-run `citybase nightly --date "
            f"{day}`; nothing already loaded is duplicated.",
            file=sys.stderr,
        )
    return NightResult(success, seconds, peak_rss)
