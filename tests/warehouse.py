"""Helpers for warehouse tests: raw tables written as the loader writes them, and real dbt runs."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import duckdb
import pandas as pd

from orchestration.bureaus import bureau_register
from orchestration.contracts import load_contracts
from orchestration.contracts.mapping import Plan, gtfs_plans, plan
from orchestration.ingest.delivery import table_spec
from orchestration.integrations.dbt.project import dbt_executable
from orchestration.landing.load import map_rows, pseudonym_pads, raw_rows_sql
from orchestration.landing.readers import TableSpec, create_rejects
from orchestration.landing.schema import ensure_raw_tables, write_bureau_register
from orchestration.settings import BUILTIN_CONTRACTS_DIR, DBT_PROJECT_DIR, Paths
from orchestration.sql import quote
from orchestration.warehouse import connect


def _builtin_plans() -> dict[str, tuple[TableSpec, Plan]]:
    plans = {}
    for contract in load_contracts([BUILTIN_CONTRACTS_DIR]):
        found = gtfs_plans(contract).values() if contract.format == "gtfs" else [plan(contract)]
        plans |= {p.raw_table: (table_spec(contract, p), p) for p in found}
    return plans


def write_raw(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], day: dt.date | str
) -> None:
    """Appends rows, given as the demo city delivers them (text, delivered names), to
    raw.<table> through the loader's own mapping onto the standard; every row must map."""
    spec, mapping = _builtin_plans()[table]
    texts = [{k: None if v is None else str(v) for k, v in row.items()} for row in rows]
    frame = pd.DataFrame(texts, dtype="string")
    frame["_row_number"] = range(1, len(frame) + 1)
    ensure_raw_tables(con)
    con.register("incoming_rows", frame)
    delivered = ", ".join(
        f"{quote(c.name)}::VARCHAR AS {quote(c.name)}"
        if c.name in frame.columns
        else f"NULL::VARCHAR AS {quote(c.name)}"
        for c in spec.columns
    )
    con.execute(
        f"create or replace temp table incoming as select {delivered}, _row_number "
        "from incoming_rows"
    )
    con.unregister("incoming_rows")
    create_rejects(con)
    map_rows(con, spec, mapping)
    rejected = con.execute("select rule, _row_number from rejects").fetchall()
    assert not rejected, f"test rows that do not map onto the standard: {rejected}"
    day = pd.Timestamp(day).date()
    rows = raw_rows_sql(mapping, day, f"landing/test/{table}/{day}.csv", dt.datetime(2026, 1, 1))
    con.execute(f"insert into raw.{table} by name {rows}", pseudonym_pads(mapping))


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


def dbt_unit_test_results(home: Paths) -> dict:
    """Every dbt unit test (`unit_tests:` beside the models) on a warehouse of empty tables:
    `dbt build --empty` creates every relation, so the tests' inputs have their real columns
    and types, and runs the unit tests on their given rows. Returns run_results.json."""
    with connect(home.warehouse) as con:
        ensure_raw_tables(con)
        write_bureau_register(con, bureau_register(load_contracts()))
    _dbt(home, "build", "--empty", "--vars", json.dumps({"run_date": ""}))
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
