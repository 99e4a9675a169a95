"""What analysts read: a snapshot of the last complete build, swapped in when a build completes.

DuckDB lets one process write a file and no one else open it meanwhile, so analysts never open
warehouse.duckdb. After each build that succeeded, the asset analyst/city/warehouse_snapshot
(assets/analyst.py: Dagster runs it only when the dbt build before it succeeded) copies the
analyst-facing schemas (marts, open_data, reference) into a new file under analyst/builds/ and
swaps the symlink analyst/warehouse.duckdb to it in one rename. A reader that opened the previous
file keeps reading it (the file stays until two newer builds exist and the reader has let
go of it), a reader that opens after the swap sees the new build: never half of one.
Each snapshot records what it holds in `_build.tables` (row count per table), so anyone can
check it is whole.

What a BI tool saves keeps working across swaps: every build's file is named warehouse.duckdb
(in a folder of its own), so its catalog is `warehouse` every night; counts that DuckDB sums
into HUGEINT are BIGINT (int64 in pandas and BI drivers, not float); tables and columns carry
the dbt documentation as comments (persist_docs in the build, copied here).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb

from orchestration.sql import literal, quote

ANALYST_SCHEMAS = ("marts", "open_data", "reference")
KEEP_BUILDS = 3  # the current file and two before it, for readers still holding them
CATALOG_FILE = "warehouse.duckdb"  # DuckDB names a catalog after its file: the same every night


def analyst_path(home: Path) -> Path:
    """The file analysts open (read-only): a symlink to the current build's snapshot."""
    return home / "analyst" / "warehouse.duckdb"


def write_snapshot(con: duckdb.DuckDBPyConnection, home: Path, built_for: dt.date) -> Path:
    """Copies the analyst schemas from the warehouse (open on `con`) into a new file, then makes
    it current. Returns the snapshot file."""
    link = analyst_path(home)
    builds = link.parent / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = builds / f"{built_for.isoformat()}_{stamp}" / CATALOG_FILE
    target.parent.mkdir()
    tables = con.execute(
        f"""select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and table_type in ('BASE TABLE', 'VIEW')
              and table_schema in {ANALYST_SCHEMAS} order by 1, 2"""
    ).fetchall()
    con.execute(f"attach '{target}' as snapshot")
    try:
        for schema in ANALYST_SCHEMAS:
            con.execute(f"create schema snapshot.{schema}")
        for schema, table in tables:
            con.execute(
                f"create table snapshot.{schema}.{table} as "
                f"select {_analyst_columns(con, schema, table)} from {schema}.{table}"
            )
            _copy_comments(con, schema, table)
        con.execute(
            "create table snapshot.main._build as select ?::date as built_for, "
            "current_timestamp as built_at, ?::json as tables",
            [built_for, _row_counts(con, "snapshot", tables)],
        )
    finally:
        con.execute("detach snapshot")
    _make_current(link, target)
    _prune(builds, keep=target)
    return target


def _analyst_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """The table's columns, HUGEINT ones (DuckDB's type for a sum of integers) as BIGINT: a
    count past BIGINT's range fails the copy loudly rather than losing digits."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where "
        "table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return ", ".join(
        f"cast({quote(name)} as bigint) as {quote(name)}" if kind == "HUGEINT" else quote(name)
        for name, kind in columns
    )


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The table's and its columns' comments (dbt's persist_docs), onto the snapshot's copy."""
    where = "database_name = current_database() and schema_name = ? and table_name = ?"
    (comment,) = con.execute(  # a table, or a view over Spark's files (integrations/dbt/spark.py)
        f"select comment from duckdb_tables() where {where} "
        f"union all select comment from duckdb_views() where {where.replace('table_', 'view_')}",
        [schema, table, schema, table],
    ).fetchone()
    if comment:
        con.execute(f"comment on table snapshot.{schema}.{table} is {literal(comment)}")
    for name, text in con.execute(
        f"select column_name, comment from duckdb_columns() where {where} and comment is not null",
        [schema, table],
    ).fetchall():
        con.execute(f"comment on column snapshot.{schema}.{table}.{quote(name)} is {literal(text)}")


def _row_counts(con: duckdb.DuckDBPyConnection, catalog: str, tables: list[tuple]) -> dict:
    return {
        f"{schema}.{table}": con.execute(
            f'select count(*) from "{catalog}".{schema}.{table}'
        ).fetchone()[0]
        for schema, table in tables
    }


def _make_current(link: Path, target: Path) -> None:
    staged = link.with_name(f".{link.name}.next")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target.relative_to(link.parent))
    os.replace(staged, link)  # atomic: a reader resolves either the old file or the new one


def _prune(builds: Path, keep: Path) -> None:
    """Deletes all but the newest snapshots (a folder each; a bare file from before folders).
    On Linux a reader that still has a deleted file open keeps reading it until it closes."""
    made = sorted(builds.iterdir(), key=lambda p: p.stat().st_mtime)
    for old in made[:-KEEP_BUILDS]:
        if old == keep.parent:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def verify(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, list[str]]:
    """The day a snapshot was built for, and every table whose rows differ from what the
    snapshot recorded (empty when it is whole)."""
    built_for, tables = con.execute("select built_for, tables from main._build").fetchone()
    recorded = json.loads(tables)
    names = [tuple(name.split(".", 1)) for name in recorded]
    actual = _row_counts(con, con.execute("select current_database()").fetchone()[0], names)
    return built_for, [name for name, count in recorded.items() if actual[name] != count]
