"""Helpers for warehouse tests: raw tables written as the loader writes them, and real dbt runs."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import duckdb
import pandas as pd

from orchestration.settings import DBT_PROJECT_DIR, Paths
from orchestration.transform import dbt_executable


def write_raw(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], day: dt.date | str
) -> None:
    """Appends rows to raw.<table> with the loader's bookkeeping columns (values as text, like
    a delivery; booleans and dates where the loader derives them)."""
    frame = pd.DataFrame(rows).astype(object)
    frame["_partition_date"] = pd.Timestamp(day).date()
    frame["_source_file"] = f"landing/test/{table}/{day}.csv"
    frame["_row_number"] = range(1, len(frame) + 1)
    frame["_loaded_at"] = pd.Timestamp("2026-01-01 00:00:00")
    con.execute("create schema if not exists raw")
    con.register("incoming_rows", frame)
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' "
        "and table_name = ?",
        [table],
    ).fetchone()[0]
    if exists:
        con.execute(f"insert into raw.{table} by name select * from incoming_rows")
    else:
        con.execute(f"create table raw.{table} as select * from incoming_rows")
    con.unregister("incoming_rows")


def _dbt(home: Paths, *args: str, expect_success: bool = True) -> str:
    """Runs dbt on the warehouse under `home`; fails the test with dbt's output when dbt's
    success is not what was expected."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(home.home / "dbt_target"),
        "--log-path",
        str(home.home / "dbt_logs"),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert (done.returncode == 0) == expect_success, done.stdout[-6000:]
    return done.stdout


def dbt_test_results(
    home: Paths, select: str, run_date: str | None = None, expect_success: bool = False
) -> dict:
    """Runs `dbt test` (as the night of `run_date` when given), by default expecting failures;
    returns its run_results.json."""
    run_vars = json.dumps({"run_date": run_date or ""})
    _dbt(home, "test", "--select", select, "--vars", run_vars, expect_success=expect_success)
    return json.loads((home.home / "dbt_target" / "run_results.json").read_text())


def dbt_build(home: Paths, select: str, run_date: str | None = None, **extra_vars) -> str:
    run_vars = {"run_date": run_date or "", **extra_vars}
    return _dbt(
        home,
        "build",
        "--select",
        select,
        "--indirect-selection",
        "cautious",  # only the tests whose every parent is built
        "--vars",
        json.dumps(run_vars),
    )


def dbt_docs_generate(home: Paths) -> str:
    return _dbt(home, "docs", "generate")


def query(home: Paths, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
