"""The instance's SQLite event log keeps its connections (orchestration/event_log.py): what a
run writes must still be what another process (the UI, the daemon, the next `citybase`)
reads, while the writing process holds its connections open."""

from __future__ import annotations

import hashlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

from dagster import DagsterInstance, Definitions, asset, define_asset_job
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.event_log import ENGINES_KEPT, PooledSqliteEventLogStorage
from orchestration.instance import write_instance_yaml

READER = """
import json
from dagster import AssetKey, DagsterInstance
with DagsterInstance.get() as instance:
    event = instance.get_latest_materialization_event(AssetKey("counted"))
    runs = instance.get_runs()
    print(json.dumps({
        "value": event.asset_materialization.metadata["value"].value,
        "run_id": event.run_id,
        "runs": len(runs),
        "events": len(instance.all_logs(runs[0].run_id)),
    }))
"""


@asset
def counted(context) -> None:
    context.add_output_metadata({"value": int(context.run.tags["n"])})


def test_runs_written_through_kept_connections_are_read_by_another_process(
    tmp_path: Path, monkeypatch
) -> None:
    home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("CITYBASE_DAGSTER_POSTGRES_URL", raising=False)
    write_instance_yaml(home)
    job = Definitions(assets=[counted], jobs=[define_asset_job("count")]).resolve_job_def("count")
    runs = ENGINES_KEPT + 4  # more run files than the storage keeps engines for
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        results = [
            job.execute_in_process(instance=instance, tags={"n": str(n)}) for n in range(runs)
        ]
        assert all(result.success for result in results)
        assert len(storage._engines) <= ENGINES_KEPT
        # read while this process still holds its connections (WAL not yet folded back)
        reader = subprocess.run(
            [sys.executable, "-c", READER], capture_output=True, text=True, timeout=120
        )
        assert reader.returncode == 0, reader.stderr[-3000:]
        seen = json.loads(reader.stdout.splitlines()[-1])
        last = results[-1].dagster_run.run_id
        assert seen["value"] == runs - 1 and seen["run_id"] == last and seen["runs"] == runs
        assert seen["events"] == len(instance.all_logs(last))
    assert not list(home.rglob("*.db-wal")) or all(
        wal.stat().st_size == 0 for wal in home.rglob("*.db-wal")
    )  # disposed: every connection closed, the WAL folded into the database files


# What PooledSqliteEventLogStorage copies from Dagster 1.13.27's SqliteEventLogStorage._connect
# (its source, hashed): the connection it replaces. A Dagster upgrade that changes it fails here.
CONNECT_SOURCE_SHA256 = "b8435f2665689760"


def test_the_dagster_internals_it_replaces_are_those_it_was_written_against(tmp_path) -> None:
    """The subclass replaces a private method and uses private attributes of Dagster's storage.
    When this fails after an upgrade: read the new SqliteEventLogStorage._connect, carry its
    change into event_log.py (or drop the subclass if Dagster now keeps its engines), re-run
    the bench (docs/performance.md), then record the new hash here."""
    source = inspect.getsource(SqliteEventLogStorage._connect)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == CONNECT_SOURCE_SHA256
    assert list(inspect.signature(SqliteEventLogStorage._initdb).parameters)[:2] == [
        "self",
        "engine",
    ]
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    try:
        assert isinstance(storage._initialized_dbs, set)
        assert hasattr(storage._db_lock, "acquire")
        assert storage.conn_string_for_shard("index").startswith("sqlite:///")
    finally:
        storage.dispose()
