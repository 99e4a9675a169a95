"""The honest limit of a night: its deliveries loaded and its models built by bare DuckDB in one
process, on the same files.

The load half is load_limit.py. Then dbt only compiles against the loaded file (not timed), and
every model's compiled SQL runs in dependency order on one connection, as `create table` /
`create view`: no dbt, no Dagster, no tests, no checks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from graphlib import TopologicalSorter
from pathlib import Path

from orchestration.bench.load_limit import run_load_limit
from orchestration.integrations.dbt.project import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR, Paths
from orchestration.warehouse import connect


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


def _build_models(warehouse: Path, manifest: dict, compiled: dict) -> float:
    models = {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }
    order = TopologicalSorter(
        {
            uid: [d for d in node["depends_on"]["nodes"] if d in models]
            for uid, node in models.items()
        }
    ).static_order()
    with connect(warehouse) as con:
        started = time.perf_counter()
        for uid in order:
            node = models[uid]
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            con.execute(f"create schema if not exists {node['schema']}")
            con.execute(
                f"create or replace {kind} {node['schema']}.{node['alias']} as\n{compiled[uid]}"
            )
        return time.perf_counter() - started


def run_limit(night: Paths, workdir: Path, run_date: dt.date) -> dict[str, float]:
    """Seconds to load the deliveries the night in `night` loaded for `run_date` and to build
    every model from them: {"load", "transform", "total"}."""
    home = Paths(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    load = run_load_limit(night.warehouse, night.home, home.warehouse, run_date)
    manifest, compiled = _compile(home, run_date)
    transform = _build_models(home.warehouse, manifest, compiled)
    return {"load": load, "transform": transform, "total": load + transform}
