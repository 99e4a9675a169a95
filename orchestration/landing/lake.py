"""The raw lake (原始数据湖): every raw table's loaded rows kept as Parquet too, the open format a
second engine reads. The DuckDB warehouse stays the embedded default; a distributed engine
(Spark, through dbt-spark) builds the same models from these files.

    <home>/lake/raw/<raw table>/_source=<contract key>/_partition_date=<day>/rows.parquet

Hive-style folders, so both engines see `_source` and `_partition_date` as columns of one
table per standard (a county's feed beside the city's, as in raw). The lake mirrors raw: a
partition is written after the step's checks have quarantined what they refuse, rewritten when
a second chance restores rows, and removed when nothing of it is left; a source delivered whole
(a register) keeps only the day it was last loaded. Each file is replaced atomically, so a
reader never sees half of one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from orchestration.landing.schema import RAW_SCHEMA, REGISTER_TABLE, raw_tables
from orchestration.sql import literal

PARTITION_COLUMNS = ("_source", "_partition_date")
FILE_NAME = "rows.parquet"


def partition_folder(lake: Path, raw_table: str, source: str, day: dt.date) -> Path:
    return lake / raw_table / f"_source={source}" / f"_partition_date={day.isoformat()}"


def keep_in_lake(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    raw_table: str,
    source: str,
    day: dt.date | None,
) -> dict[dt.date, int]:
    """Writes the source's rows of `raw_table` for `day` (None: the whole source, as a register
    is loaded) to the lake (Paths.raw_lake), and removes the source's partitions that raw no
    longer holds. Returns the rows written per day."""
    table = f"{RAW_SCHEMA}.{raw_table}"
    scope = f"_source = {literal(source)}"
    if day is not None:
        scope += f" and _partition_date = {literal(day.isoformat())}::date"
    counts = dict(
        con.execute(
            f"select _partition_date, count(*) from {table} where {scope} group by all"
        ).fetchall()
    )
    source_folder = lake / raw_table / f"_source={source}"
    stale = [day] if day is not None else _days_in(source_folder)
    for gone in set(stale) - set(counts):
        shutil.rmtree(partition_folder(lake, raw_table, source, gone), ignore_errors=True)
    columns = ", ".join(PARTITION_COLUMNS)
    for written in counts:
        folder = partition_folder(lake, raw_table, source, written)
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".{FILE_NAME}.{os.getpid()}"
        con.execute(
            f"""copy (select * exclude ({columns}) from {table}
                where _source = {literal(source)}
                  and _partition_date = {literal(written.isoformat())}::date
                order by _source_file, _row_number)
            to {literal(str(staged))} (format parquet, compression zstd)"""
        )
        os.replace(staged, folder / FILE_NAME)
    return counts


def prepare_for_build(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """What a build on another engine needs beside the delivered partitions: a folder for
    every raw table (an empty one for a standard no source has delivered yet, as raw holds an
    empty table) and the register of bureaus the build was given (raw._bureaus)."""
    for table in raw_tables(con):
        (lake / table).mkdir(parents=True, exist_ok=True)
    register = lake / REGISTER_TABLE
    register.mkdir(parents=True, exist_ok=True)
    staged = register / f".{FILE_NAME}.{os.getpid()}"
    con.execute(
        f"copy (select * from {RAW_SCHEMA}.{REGISTER_TABLE} order by bureau_code) "
        f"to {literal(str(staged))} (format parquet)"
    )
    os.replace(staged, register / FILE_NAME)


def _days_in(source_folder: Path) -> list[dt.date]:
    if not source_folder.is_dir():
        return []
    prefix = "_partition_date="
    return [
        dt.date.fromisoformat(p.name.removeprefix(prefix))
        for p in source_folder.iterdir()
        if p.is_dir() and p.name.startswith(prefix)
    ]
