"""DDL of the raw layer's bookkeeping tables: the load manifest and the quarantine."""

from __future__ import annotations

import duckdb

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


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(MANIFEST_DDL)
    con.execute(QUARANTINE_DDL)
