"""The warehouse's `quality` schema: every check's latest result per day, and the rows a
warning-level rule flagged. Rows breaking a critical rule leave the raw table for the raw
quarantine, and the load manifest is corrected so that rows read = loaded + quarantined holds."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from orchestration import clock
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.quality.validate import Outcome

QUALITY_SCHEMA = "quality"

DDL = f"""
create schema if not exists {QUALITY_SCHEMA};
create table if not exists {QUALITY_SCHEMA}.check_results (
    run_date date not null,
    asset varchar not null,        -- Dagster asset key, e.g. raw/health/outpatient_visits
    bureau varchar not null,
    check_name varchar not null,
    source varchar not null,       -- gx | dbt | publish
    severity varchar not null,     -- error | warn
    dimension varchar,             -- GB/T 36344 dimension
    passed boolean not null,
    evaluated bigint,
    failed bigint,
    sample varchar,                -- JSON list of masked failing values
    description varchar,
    checked_at timestamp not null
);
create table if not exists {QUALITY_SCHEMA}.publications (
    run_date date not null,
    dataset varchar not null,      -- open dataset id, e.g. station-aqi-daily
    bureau varchar not null,
    openness varchar not null,
    status varchar not null,       -- published | unchanged | held_back | kept_in_warehouse
    release_id varchar,            -- the release served after the night
    reasons varchar,               -- JSON list: why it was held back
    recorded_at timestamp not null
);
create table if not exists {QUALITY_SCHEMA}.timings (
    run_date date not null,
    stage varchar not null,        -- source_checks | dbt_tests | publish_scans
    asset varchar not null,
    seconds double not null,
    recorded_at timestamp not null
);
create table if not exists {QUALITY_SCHEMA}.flagged_rows (
    bureau varchar not null,
    dataset varchar not null,
    raw_table varchar not null,
    partition_date date,
    landed_file varchar,
    row_number bigint,
    rule varchar not null,
    reason varchar not null,
    value_masked varchar,
    flagged_at timestamp not null
);
"""


@dataclass(frozen=True)
class CheckRecord:
    asset: str
    bureau: str
    check_name: str
    source: str
    severity: str
    dimension: str | None
    passed: bool
    evaluated: int | None
    failed: int | None
    sample: list[str]
    description: str

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and not self.passed


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def records_from_outcomes(asset: str, bureau: str, outcomes: list[Outcome]) -> list[CheckRecord]:
    return [
        CheckRecord(
            asset,
            bureau,
            o.expectation.rule,
            "gx",
            # A rule whose reference data is not loaded yet is reported, not blocking.
            "error" if o.expectation.severity == "critical" and not o.note else "warn",
            o.expectation.dimension,
            o.success,
            o.evaluated,
            o.unexpected,
            o.sample,
            f"{o.expectation.reason}{' (' + o.note + ')' if o.note else ''}",
        )
        for o in outcomes
    ]


def save_records(
    con: duckdb.DuckDBPyConnection, day: dt.date, records: list[CheckRecord], sources: set
) -> None:
    """Replaces the day's results of these assets from these sources (a re-run overwrites)."""
    ensure_quality_schema(con)
    assets = sorted({r.asset for r in records})
    if not assets:
        return
    con.execute(
        f"delete from {QUALITY_SCHEMA}.check_results where run_date = ? "
        "and list_contains(?, asset) and list_contains(?, source)",
        [day, assets, sorted(sources)],
    )
    now = clock.now()
    con.executemany(
        f"insert into {QUALITY_SCHEMA}.check_results values ({', '.join(['?'] * 13)})",
        [
            [
                day,
                r.asset,
                r.bureau,
                r.check_name,
                r.source,
                r.severity,
                r.dimension,
                r.passed,
                r.evaluated,
                r.failed,
                json.dumps(r.sample, ensure_ascii=False),
                r.description,
                now,
            ]
            for r in records
        ],
    )


def save_timing(
    con: duckdb.DuckDBPyConnection, day: dt.date, stage: str, asset: str, seconds: float
) -> None:
    """How long a night's checks took, per asset: what `citybase bench` splits the night by."""
    ensure_quality_schema(con)
    con.execute(
        f"delete from {QUALITY_SCHEMA}.timings where run_date = ? and stage = ? and asset = ?",
        [day, stage, asset],
    )
    con.execute(
        f"insert into {QUALITY_SCHEMA}.timings values (?, ?, ?, ?, ?)",
        [day, stage, asset, seconds, clock.now()],
    )


def load_records(
    con: duckdb.DuckDBPyConnection, day: dt.date, asset: str, source: str
) -> list[CheckRecord]:
    ensure_quality_schema(con)
    rows = con.execute(
        f"""select asset, bureau, check_name, source, severity, dimension, passed, evaluated,
                   failed, sample, description
            from {QUALITY_SCHEMA}.check_results
            where run_date = ? and asset = ? and source = ? order by check_name""",
        [day, asset, source],
    ).fetchall()
    return [CheckRecord(*row[:9], json.loads(row[9] or "[]"), row[10]) for row in rows]


def quarantine_and_flag(
    con: duckdb.DuckDBPyConnection,
    bureau: str,
    dataset: str,
    raw_table: str,
    day: dt.date,
    daily: bool,
    outcomes: list[Outcome],
) -> int:
    """Moves rows breaking a critical rule to the raw quarantine (one entry per row, naming
    every rule it broke) and records rows breaking a warning rule as flagged. Uses `_failing`
    as left by validate_batch. Returns the number of rows quarantined."""
    ensure_quality_schema(con)
    reasons = {o.expectation.rule: o.expectation for o in outcomes}
    con.execute(
        "create or replace temp table _rules (rule varchar, severity varchar, reason varchar)"
    )
    con.executemany(
        "insert into _rules values (?, ?, ?)",
        [[r, e.severity, e.reason] for r, e in reasons.items()],
    )
    scope = "bureau = ? and dataset = ? and raw_table = ? and (partition_date = ? or not ?)"
    now = clock.now()
    con.execute("begin transaction")
    try:
        con.execute(
            f"delete from {QUALITY_SCHEMA}.flagged_rows where {scope}",
            [bureau, dataset, raw_table, day, daily],
        )
        con.execute(
            f"""insert into {QUALITY_SCHEMA}.flagged_rows
            select ?, ?, ?, ?, f._source_file, f._row_number, 'gx:' || f.rule, r.reason,
                   f.value, ?
            from _failing f join _rules r using (rule) where r.severity = 'warning'""",
            [bureau, dataset, raw_table, day, now],
        )
        con.execute(
            """create or replace temp table _to_quarantine as
            select f._source_file, f._row_number,
                   string_agg('gx:' || f.rule, ';' order by f.rule) as rule,
                   string_agg(r.reason, '; ' order by f.rule) as reason,
                   string_agg(f.value, '; ' order by f.rule) as value
            from _failing f join _rules r using (rule) where r.severity = 'critical'
            group by all"""
        )
        moved = con.execute("select count(*) from _to_quarantine").fetchone()[0]
        if moved:
            con.execute(
                f"""insert into {RAW_SCHEMA}._quarantine
                select ?, ?, ?, ?, _source_file, _row_number, rule, reason, value, ?
                from _to_quarantine""",
                [bureau, dataset, raw_table, day, now],
            )
            con.execute(
                f"""delete from {RAW_SCHEMA}.{raw_table} t using _to_quarantine q
                where t._source_file = q._source_file and t._row_number = q._row_number"""
            )
            con.execute(
                f"""update {RAW_SCHEMA}._manifest m
                set rows_loaded = m.rows_loaded - q.n, rows_quarantined = m.rows_quarantined + q.n
                from (select _source_file, count(*) as n from _to_quarantine group by 1) q
                where m.landed_file = q._source_file and m.raw_table = ? and m.status = 'loaded'
                  and m.bureau = ? and m.dataset = ?""",
                [raw_table, bureau, dataset],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return moved
