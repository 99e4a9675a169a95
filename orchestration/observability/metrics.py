"""The metric store: a profile of every loaded delivery, kept in the warehouse per dataset, day
and file, so that baselines can say what a feed usually looks like.

quality.delivery_metrics: rows read / loaded / quarantined, bytes, arrival against the deadline.
quality.column_metrics:   per column, the share of empty values, distinct values, min and max,
                          mean and median for numbers, and the top codes with their shares.

A delivery is profiled right after its load and before the rules move rows to quarantine: the
profile describes what the bureau delivered. Personal columns (pseudonyms) get only their empty
share and distinct count: no value of theirs is kept.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import duckdb

from orchestration import clock
from orchestration.contracts.model import Contract
from orchestration.keys import raw_asset_key
from orchestration.landing.load import LoadResult
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.quality.sources import delivery_deadline, personal_columns
from orchestration.quality.store import QUALITY_SCHEMA, save_timing
from orchestration.sql import literal, quote

TOP_VALUES = 10  # codes kept per coded column
CODED_MAX_DISTINCT = 30  # a text column with at most this many values is a code list
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT", "DECIMAL")

DDL = f"""
create schema if not exists {QUALITY_SCHEMA};
create table if not exists {QUALITY_SCHEMA}.delivery_metrics (
    partition_date date not null,
    bureau varchar not null,
    dataset varchar not null,
    source varchar not null,          -- the contract: <bureau>__<dataset>
    raw_table varchar not null,
    landed_file varchar not null,
    bytes bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    delivered_at timestamp,           -- city time
    hours_after_deadline double,      -- negative: early; null: no deadline (pulled, snapshot)
    profiled_at timestamp not null
);
create table if not exists {QUALITY_SCHEMA}.column_metrics (
    partition_date date not null,
    bureau varchar not null,
    dataset varchar not null,
    raw_table varchar not null,
    landed_file varchar not null,
    column_name varchar not null,
    column_type varchar not null,
    personal boolean not null,
    rows bigint not null,
    null_share double,
    distinct_count bigint,
    min_value varchar,                -- null for personal columns
    max_value varchar,
    mean double,                      -- numbers only
    median double,
    top_values varchar,               -- JSON [[code, share], ...] of coded columns
    profiled_at timestamp not null
);
"""


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    sql_type: str
    personal: bool

    @property
    def numeric(self) -> bool:
        return self.sql_type.startswith(NUMERIC)


def ensure_metric_store(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def _columns(con: duckdb.DuckDBPyConnection, raw_table: str, personal: set[str]):
    described = con.execute(f"describe {RAW_SCHEMA}.{raw_table}").fetchall()
    return [
        ColumnProfile(name, sql_type, name in personal)
        for name, sql_type, *_ in described
        if not name.startswith("_")  # lineage
    ]


def _aggregates(column: ColumnProfile) -> list[str]:
    q = quote(column.name)
    counts = [f"count({q})", f"approx_count_distinct({q})"]
    if column.personal:
        return [*counts, "null", "null", "null", "null"]
    extremes = [f"min({q})::varchar", f"max({q})::varchar"]
    if column.numeric:
        return [*counts, *extremes, f"avg({q})::double", f"approx_quantile({q}, 0.5)::double"]
    return [*counts, *extremes, "null", "null"]


def _top_values(
    con: duckdb.DuckDBPyConnection, relation: str, coded: list[str], rows: int
) -> dict[str, list[list]]:
    """The most frequent values of the coded columns, with their share of all rows: one pass."""
    if not coded or not rows:
        return {}
    casts = ", ".join(f"{quote(c)}::varchar as {quote(c)}" for c in coded)
    counted = con.execute(
        f"""select name, value, count(*) as n
            from (unpivot (select {casts} from {relation})
                  on {", ".join(quote(c) for c in coded)} into name name value value)
            group by name, value
            qualify row_number() over (partition by name order by n desc, value) <= {TOP_VALUES}
            order by name, n desc, value"""
    ).fetchall()
    top: dict[str, list[list]] = {}
    for name, value, n in counted:
        top.setdefault(name, []).append([value, round(n / rows, 6)])
    return top


def profile_file(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    day: dt.date,
    result: LoadResult,
) -> None:
    """Profiles the rows one file (or GTFS member) loaded: one aggregate pass, one more for the
    codes of the coded columns."""
    relation = (
        f"(select * from {RAW_SCHEMA}.{result.raw_table} "
        f"where _source_file = {literal(result.landed_file)} "
        f"and _partition_date = {literal(day.isoformat())}::date)"
    )
    columns = _columns(con, result.raw_table, personal_columns(contract))
    per_column = [a for c in columns for a in _aggregates(c)]
    row = con.execute(f"select count(*), {', '.join(per_column)} from {relation}").fetchone()
    rows, values = row[0], row[1:]
    stats = {c.name: values[6 * i : 6 * i + 6] for i, c in enumerate(columns)}
    coded = [
        c.name
        for c in columns
        if not c.personal
        and c.sql_type in ("VARCHAR", "BOOLEAN")
        and 0 < (stats[c.name][1] or 0) <= CODED_MAX_DISTINCT
    ]
    top = _top_values(con, relation, coded, rows)
    now = clock.now()
    con.executemany(
        f"insert into {QUALITY_SCHEMA}.column_metrics values ({', '.join(['?'] * 17)})",
        [
            [
                day,
                contract.bureau,
                contract.dataset,
                result.raw_table,
                result.landed_file,
                c.name,
                c.sql_type,
                c.personal,
                rows,
                (1 - stats[c.name][0] / rows) if rows else None,
                stats[c.name][1],
                *stats[c.name][2:],
                json.dumps(top[c.name], ensure_ascii=False) if c.name in top else None,
                now,
            ]
            for c in columns
        ],
    )


def profile_delivery(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    day: dt.date,
    results: list[LoadResult],
    delivered_at: dt.datetime | None,
) -> None:
    """Records the profile of a day's loaded delivery, replacing an earlier one of the day, and
    the seconds it took (quality.timings, stage 'metric_store': what `make bench` reports)."""
    loaded = [r for r in results if r.status == "loaded"]
    if not loaded:
        return
    started = time.perf_counter()
    ensure_metric_store(con)
    deadline = delivery_deadline(contract, day)
    late = (delivered_at - deadline).total_seconds() / 3600 if deadline and delivered_at else None
    scope = "partition_date = ? and bureau = ? and dataset = ?"
    params = [day, contract.bureau, contract.dataset]
    con.execute("begin transaction")
    try:
        for table in ("delivery_metrics", "column_metrics"):
            con.execute(f"delete from {QUALITY_SCHEMA}.{table} where {scope}", params)
        now = clock.now()
        con.executemany(
            f"insert into {QUALITY_SCHEMA}.delivery_metrics values ({', '.join(['?'] * 13)})",
            [
                [
                    day,
                    contract.bureau,
                    contract.dataset,
                    contract.key,
                    r.raw_table,
                    r.landed_file,
                    r.bytes,
                    r.rows_read,
                    r.rows_loaded,
                    r.rows_quarantined,
                    delivered_at,
                    late,
                    now,
                ]
                for r in loaded
            ],
        )
        for result in loaded:
            profile_file(con, contract, day, result)
        asset = raw_asset_key(contract).to_user_string()
        save_timing(con, day, "metric_store", asset, time.perf_counter() - started)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
