"""The Dagster instance's dagster.yaml: SQLite under DAGSTER_HOME by default, PostgreSQL in
production, and in both the pool that serialises writers to the DuckDB warehouse.

Every step that writes the warehouse file sits in the pool `warehouse_writer`. DuckDB lets one
process hold the file for writing; with the pool's limit at 1, a second run (a sensor's re-run, a
backfill, a run from the UI) waits for its turn instead of failing on the lock.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil
import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

MARKER = "# Written by citybase (orchestration/instance.py); edit freely after removing this line."
POSTGRES_URL_VARIABLE = "CITYBASE_DAGSTER_POSTGRES_URL"
WAREHOUSE_POOL = "warehouse_writer"


def instance_config(dagster_home: Path, postgres: bool) -> dict:
    """The instance settings citybase relies on. `postgres` stores runs, events and schedules
    in the database named by CITYBASE_DAGSTER_POSTGRES_URL (read by Dagster at start-up, so
    the password stays out of the file). Without it, SQLite under DAGSTER_HOME as Dagster lays
    it out, the event log through citybase's pooled storage (orchestration/event_log.py)."""
    config: dict = {
        "concurrency": {
            "pools": {"default_limit": 1},  # warehouse_writer: one writer of the DuckDB file
            "runs": {"max_concurrent_runs": 4},
        },
        "telemetry": {"enabled": False},
        # Runs launched by the daemon (UI, schedule, sensors) whose worker dies are failed and
        # their pool slots freed; headless runs are reaped by `citybase` itself (reap_dead_runs).
        "run_monitoring": {"enabled": True, "poll_interval_seconds": 60},
    }
    if postgres:
        config["storage"] = {"postgres": {"postgres_url": {"env": POSTGRES_URL_VARIABLE}}}
    else:
        config["event_log_storage"] = {
            "module": "orchestration.event_log",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(dagster_home.resolve() / "history" / "runs")},
        }
    return config


def write_instance_yaml(dagster_home: Path) -> Path:
    """Writes DAGSTER_HOME/dagster.yaml unless someone else wrote it (no marker line): a
    deployment's own file is left alone. Chooses PostgreSQL when its URL is set."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    existing = path.read_text() if path.exists() else ""
    if existing.strip() and not existing.startswith(MARKER):
        return path
    config = instance_config(dagster_home, postgres=bool(os.environ.get(POSTGRES_URL_VARIABLE)))
    text = f"{MARKER}\n{yaml.safe_dump(config, sort_keys=False)}"
    if text != existing:  # atomically: runs starting together read a whole file
        staged = path.with_name(f".dagster.yaml.{os.getpid()}")
        staged.write_text(text)
        os.replace(staged, path)
    return path


def process_tags() -> dict[str, str]:
    """Tags a headless run carries so that a later command can tell its process died."""
    me = psutil.Process()
    return {
        "citybase/host": socket.gethostname(),
        "citybase/pid": str(me.pid),
        "citybase/pid_started": str(me.create_time()),
    }


def _alive(run_tags: dict[str, str]) -> bool:
    try:
        process = psutil.Process(int(run_tags["citybase/pid"]))
        return str(process.create_time()) == run_tags.get("citybase/pid_started")
    except (psutil.NoSuchProcess, ValueError):
        return False


def reap_dead_runs(instance: DagsterInstance) -> list[str]:
    """Marks failed every run this host started headless whose process is gone (kill -9, a
    crash, a power cut), and frees its pool slots; otherwise the next run would wait forever
    for the warehouse pool. Returns the run ids reaped."""
    host = socket.gethostname()
    reaped = []
    unfinished = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]
    for run in instance.get_runs(RunsFilter(statuses=unfinished)):
        if run.tags.get("citybase/host") != host or _alive(run.tags):
            continue
        instance.report_run_failed(
            run,
            "its process died before the run ended (killed or crashed); citybase marked it "
            "failed so that the next run can take the warehouse",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


def ensure_warehouse_pool(instance: DagsterInstance) -> None:
    """Sets the pool's limit on the instance itself. Left to the default, Dagster creates the
    pool's slot on first use, and two runs starting at once on a new instance can each create
    one (two slots, two writers, a lock error); setting it here also repairs such a pool."""
    instance.event_log_storage.set_concurrency_slots(WAREHOUSE_POOL, 1)


def keep_connections(instance: DagsterInstance) -> None:
    """A headless night's instance keeps its database connections open, as the webserver's does.
    dagster-postgres opens a new connection for every stored event by default (NullPool): with
    ~2,300 events a night that was most of a night at small scale. No statement timeout (0):
    a night's writes are short, and a slow one should wait, not fail the run. SQLite (the
    default) keeps its own (event_log.py)."""
    instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=8)
