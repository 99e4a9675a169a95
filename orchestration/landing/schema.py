"""DDL of the raw layer's bookkeeping tables: the load manifest and the quarantine."""

from __future__ import annotations

import duckdb

from orchestration.sql import SQL_TYPES
from orchestration.standards import gtfs, load_standards
from orchestration.standards.gtfs import gtfs_tables

RAW_SCHEMA = "raw"

MANIFEST_DDL = f"""
create table if not exists {RAW_SCHEMA}._manifest (
    bureau varchar not null,
    dataset varchar not null,
    raw_table varchar not null,
    partition_date date,
    source_location varchar,
    landed_file varchar,
    sha256 varchar,
    bytes bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar not null,  -- loaded | skipped_duplicate | failed | missing
    message varchar,
    delivered_at timestamp,
    landed_at timestamp not null
)"""

QUARANTINE_DDL = f"""
create table if not exists {RAW_SCHEMA}._quarantine (
    bureau varchar not null,
    dataset varchar not null,
    raw_table varchar not null,
    partition_date date,
    landed_file varchar not null,
    row_number bigint,
    rule varchar not null,
    reason varchar not null,
    record_masked varchar,
    quarantined_at timestamp not null
)"""


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw tables of loaded rows, one per standard (not the bookkeeping ones, whose names
    start with _)."""
    return [
        table
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? "
            "and not starts_with(table_name, '_') order by table_name",
            [RAW_SCHEMA],
        ).fetchall()
    ]


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(MANIFEST_DDL)
    con.execute(QUARANTINE_DDL)


LINEAGE_DDL = (
    "_source VARCHAR, _partition_date DATE, _source_file VARCHAR, _row_number BIGINT, "
    "_loaded_at TIMESTAMP"
)


REGISTER_TABLE = "_bureaus"  # the register of bureaus, as dbt's dim_bureau reads it
BUREAUS_DDL = f"""
create table if not exists {RAW_SCHEMA}.{REGISTER_TABLE} (
    bureau_code varchar not null,
    bureau_name_zh varchar not null,
    bureau_name_en varchar not null
)"""


def write_bureau_register(con: duckdb.DuckDBPyConnection, register: dict) -> None:
    """The register of bureaus as dbt's dim_bureau reads it (the seed's plus the contracts')."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(BUREAUS_DDL)
    con.execute("begin transaction")
    con.execute(f"delete from {RAW_SCHEMA}.{REGISTER_TABLE}")
    con.executemany(
        f"insert into {RAW_SCHEMA}.{REGISTER_TABLE} values (?, ?, ?)",
        [[code, names["zh"], names["en"]] for code, names in register.items()],
    )
    con.execute("commit")


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Creates, empty, the raw table of every standard that no source has loaded yet, so that
    staging builds (with no rows) for a city that delivers no such data."""
    tables = {
        s.table: [(c.name, c.type) for c in s.delivered_columns]
        + [(c.name, c.type) for c in s.columns if c.personal_fact]
        for s in load_standards().values()
    }
    for stem, table in gtfs_tables().items():
        tables[table] = [(c.name, c.type) for c in gtfs.REFERENCE[stem].columns()]
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(BUREAUS_DDL)
    for table, columns in tables.items():
        typed = ", ".join(f'"{name}" {SQL_TYPES[kind]}' for name, kind in columns)
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({typed}, {LINEAGE_DDL})")
