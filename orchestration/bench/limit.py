"""The limit: the night's transformations as bare SQL in one DuckDB process.

The raw and reference schemas of a citybase warehouse are copied into a fresh file; dbt only
compiles against it (not timed); then every model's compiled SQL runs in dependency order on
one connection, as `create table`/`create view`: no dbt, no Dagster, no tests, no checks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from graphlib import TopologicalSorter
from pathlib import Path

from orchestration.integrations.dbt.project import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR, Paths
from orchestration.sql import literal
from orchestration.warehouse import connect

COPIED_SCHEMAS = ("raw", "reference")


def _copy_inputs(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    with connect(target) as con:
        con.execute(f"attach {literal(str(source))} as source (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'source' and list_contains(?, schema_name)",
            [list(COPIED_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {schema}.{table} as select * from source.{schema}.{table}")


def _compile(home: Paths, run_date: dt.date) -> tuple[dict, dict]:
    target = home.home / "dbt_target"
    subprocess.run(
        [
            dbt_executable(),
            "compile",
            "--quiet",
            "--vars",
            json.dumps({"run_date": run_date.isoformat()}),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(home.home / "dbt_logs"),
        ],
        check=True,
        env={**os.environ, "CITYBASE_HOME": str(home.home)},
        stdout=subprocess.DEVNULL,
    )
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())
    return manifest, {r["unique_id"]: r["compiled_code"] for r in results["results"]}


def run_limit(warehouse: Path, workdir: Path, run_date: dt.date) -> float:
    """Seconds to build every model of the night from `warehouse`'s raw data as bare SQL."""
    home = Paths(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _copy_inputs(warehouse, home.warehouse)
    manifest, compiled = _compile(home, run_date)
    models = {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }
    order = TopologicalSorter(
        {
            uid: [d for d in node["depends_on"]["nodes"] if d in models]
            for uid, node in models.items()
        }
    ).static_order()
    with connect(home.warehouse) as con:
        started = time.perf_counter()
        for uid in order:
            node = models[uid]
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            con.execute(f"create schema if not exists {node['schema']}")
            con.execute(
                f"create or replace {kind} {node['schema']}.{node['alias']} as\n{compiled[uid]}"
            )
        return time.perf_counter() - started
