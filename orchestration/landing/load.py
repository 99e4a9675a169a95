"""Loading one landed file into its raw table: parse, check types, pseudonymise, then replace the
day's rows, the day's quarantine and the manifest entry in one transaction, so a re-run or a
corrected delivery never duplicates rows and a crash never leaves half a load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from orchestration import clock
from orchestration.contracts.mapping import MappedColumn, PersonalFact, Plan
from orchestration.landing.errors import DeliveryError
from orchestration.landing.readers import ReadResult, TableSpec
from orchestration.landing.schema import RAW_SCHEMA, ensure_bookkeeping
from orchestration.landing.store import LandedFile
from orchestration.privacy import hmac_pads, hmac_sql, id_checksum_ok_sql, mask_sql, pseudonym_key
from orchestration.sql import literal, quote

Reader = Callable[[duckdb.DuckDBPyConnection, TableSpec, str], ReadResult]


@dataclass
class LoadResult:
    raw_table: str
    landed_file: str
    sha256: str
    bytes: int
    status: str  # loaded | skipped_duplicate
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_rules: dict[str, int] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)


def already_loaded(
    con: duckdb.DuckDBPyConnection, bureau: str, dataset: str, day: dt.date | None, sha256: str
) -> bool:
    """True when this exact delivery was loaded before: it is not loaded twice. A daily
    delivery is one dataset, one day, one sha256: the same bytes for another day are another
    delivery (two quiet holidays deliver the same empty file). A snapshot (`day` None) is the
    same delivery whatever the day."""
    ensure_bookkeeping(con)
    return (
        con.execute(
            f"select count(*) from {RAW_SCHEMA}._manifest where bureau = ? and dataset = ? "
            "and (partition_date = ? or ? is null) and sha256 = ? and status = 'loaded'",
            [bureau, dataset, day, day, sha256],
        ).fetchone()[0]
        > 0
    )


def _record_expression(spec: TableSpec) -> str:
    """A parsed record as the quarantine keeps it: personal columns replaced whole, the rest
    masked (see privacy.mask_sql)."""
    parts = ", ".join(
        f"CASE WHEN {quote(c.name)} IS NULL THEN '' ELSE '<personal>' END"
        if c.name in spec.personal_data
        else f"coalesce({quote(c.name)}, '')"
        for c in spec.columns
    )
    return mask_sql(f"concat_ws(',', {parts})", bool(spec.personal_data))


def _first_failure(failed: list[MappedColumn], field: str) -> str:
    """SQL: the rule (or reason) of a record's first column that could not be mapped, else NULL."""
    cases = " ".join(f"WHEN {c.failed_sql} THEN {literal(getattr(c, field))}" for c in failed)
    return f"CASE {cases} END" if failed else "NULL::VARCHAR"


def map_rows(con: duckdb.DuckDBPyConnection, spec: TableSpec, plan: Plan) -> None:
    """`incoming` (delivered text) -> `_mapped` (the standard's columns, typed). A record with a
    delivered value that cannot be mapped is quarantined with the column's rule (its first
    failing column names it) and marked in `_mapped` by `__rule`: one pass over the delivery,
    then a join of the few records refused with their text."""
    values = ", ".join(f"{c.value_sql} AS {quote(c.name)}" for c in plan.columns)
    failed = [c for c in plan.columns if c.rule]
    con.execute(
        f"""create or replace temp table _mapped as select _row_number, {values},
        {_first_failure(failed, "rule")} AS __rule, {_first_failure(failed, "reason")} AS __reason
        from incoming"""
    )
    con.execute(f"""insert into rejects
        select _row_number, __rule, __reason, {_record_expression(spec)}
        from incoming join (select _row_number, __rule, __reason from _mapped
                            where __rule is not null) using (_row_number)""")


def _fact_sql(fact: PersonalFact) -> str:
    """What analysts legitimately need from an identifier, worked out before it is replaced."""
    value = quote(fact.of)
    birth = f"try_strptime(substr({value}, 7, 8), '%Y%m%d')::DATE"
    match fact.fact:
        case "checksum_ok":
            return id_checksum_ok_sql(value)
        case "sex":
            return (
                f"CASE WHEN regexp_full_match(substr({value}, 17, 1), '[0-9]') THEN "
                f"CASE WHEN substr({value}, 17, 1)::INTEGER % 2 = 1 THEN 'male' ELSE 'female' END "
                "END"
            )
        case "age_years":
            at = quote(fact.at or "")
            return (
                f"(year({at}) - year({birth}) - CASE WHEN month({at}) * 100 + day({at}) < "
                f"month({birth}) * 100 + day({birth}) THEN 1 ELSE 0 END)::INTEGER"
            )
        case "region_code":
            return f"substr({value}, 1, 6)"
        case "phone_valid":
            return f"regexp_full_match({value}, '1[3-9][0-9]{{9}}')"
    raise ValueError(f"unknown personal fact {fact.fact}")


def standard_select(plan: Plan) -> str:
    """The standard's columns: personal ones become pseudonyms, their facts worked out first
    (the identifier itself never reaches the raw table)."""
    items = [
        f"{hmac_sql(quote(c.name))} AS {quote(c.name)}" if c.personal else quote(c.name)
        for c in plan.columns
    ]
    items += [f"{_fact_sql(f)} AS {quote(f.name)}" for f in plan.facts]
    return ", ".join(items)


def raw_rows_sql(plan: Plan, day: dt.date, file_label: str, loaded_at: dt.datetime) -> str:
    """SELECT of the raw table's rows from `_mapped` (the records that mapped), pseudonymised,
    with their lineage, in the delivery's order. Run it with pseudonym_pads(plan)."""
    return f"""select {standard_select(plan)}, {literal(plan.source)} as _source,
               {literal(day.isoformat())}::DATE as _partition_date,
               {literal(file_label)} as _source_file, _row_number,
               {literal(loaded_at.isoformat(sep=" "))}::TIMESTAMP as _loaded_at
        from _mapped where __rule is null"""


def pseudonym_pads(plan: Plan) -> dict[str, bytes] | None:
    """The query parameters of raw_rows_sql: the key's HMAC pads where the plan has personal
    columns (passed, never written into the SQL)."""
    if not any(c.personal for c in plan.columns):
        return None
    inner, outer = hmac_pads(pseudonym_key())
    return {"ipad": inner, "opad": outer}


def _ensure_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, rows_sql: str, pads: dict | None
) -> None:
    """Creates the raw table from the shape of the rows being loaded; adds any new column.
    (Not from an empty temp table of that shape: DuckDB 1.5.5 then hides a large insert that
    follows in the same transaction from the connection that made it.)"""
    con.execute(f"create table if not exists {table} as {rows_sql} limit 0", pads)
    existing = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    for name, sql_type, *_ in con.execute(f"describe {rows_sql}", pads).fetchall():
        if name not in existing:
            con.execute(f"alter table {table} add column {quote(name)} {sql_type}")


def load_file(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    spec: TableSpec,
    plan: Plan,
    bureau: str,
    dataset: str,
    day: dt.date,
    daily: bool,
    read: Reader,
    member: str | None = None,
) -> LoadResult:
    """Loads one landed file into its standard's raw table. `daily`: replace this source's rows
    of the day; otherwise replace all of this source's rows (other sources' rows stay)."""
    ensure_bookkeeping(con)
    file_label = f"{landed.relative}#{member}" if member else landed.relative
    result = read(con, spec, file_label)
    map_rows(con, spec, plan)
    rejected = con.execute("select count(*) from rejects").fetchone()[0]
    if result.rows_read and rejected / result.rows_read > spec.max_reject_share:
        first = con.execute(
            "select rule, reason, _row_number from rejects order by 3 limit 1"
        ).fetchone()
        raise DeliveryError(
            file_label,
            f"{rejected} of {result.rows_read} rows cannot be read "
            f"(first: line {first[2]}, {first[0]}: {first[1]}); check the "
            "declared encoding and format",
        )
    loaded_at = clock.now()
    rows_sql, pads = raw_rows_sql(plan, day, file_label, loaded_at), pseudonym_pads(plan)
    table = f"{RAW_SCHEMA}.{plan.raw_table}"
    same_scope = "bureau = ? and dataset = ? and raw_table = ? and (partition_date = ? or not ?)"
    scope_params = [bureau, dataset, plan.raw_table, day, daily]
    con.execute("begin transaction")
    try:
        _ensure_raw_table(con, table, rows_sql, pads)
        con.execute(
            f"delete from {table} where _source = ? and (_partition_date = ? or not ?)",
            [plan.source, day, daily],
        )
        loaded = con.execute(f"insert into {table} by name {rows_sql}", pads).fetchone()[0]
        con.execute(f"delete from {RAW_SCHEMA}._quarantine where {same_scope}", scope_params)
        con.execute(
            f"""insert into {RAW_SCHEMA}._quarantine select ?, ?, ?, ?, ?, _row_number,
            rule, reason, record, ? from rejects""",
            [bureau, dataset, plan.raw_table, day, file_label, loaded_at],
        )
        con.execute(
            f"update {RAW_SCHEMA}._manifest set status = 'superseded' "
            f"where status = 'loaded' and {same_scope}",
            scope_params,
        )
        con.execute(
            f"insert into {RAW_SCHEMA}._manifest values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?)",
            [
                bureau,
                dataset,
                plan.raw_table,
                day,
                landed.source_location,
                file_label,
                landed.sha256,
                landed.bytes,
                result.rows_read,
                loaded,
                rejected,
                "; ".join(result.drift) or None,
                landed.delivered_at,
                loaded_at,
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    rules = dict(
        con.execute("select rule, count(*) from rejects group by rule order by rule").fetchall()
    )
    if result.rows_read != loaded + rejected:
        raise AssertionError(
            f"{file_label}: {result.rows_read} rows read but {loaded} loaded "
            f"and {rejected} quarantined; this is a bug in citybase"
        )
    return LoadResult(
        plan.raw_table,
        file_label,
        landed.sha256,
        landed.bytes,
        "loaded",
        result.rows_read,
        loaded,
        rejected,
        rules,
        result.drift,
    )


def record_failure(
    con: duckdb.DuckDBPyConnection,
    bureau: str,
    dataset: str,
    raw_table: str,
    day: dt.date,
    source_location: str,
    landed: LandedFile | None,
    message: str,
) -> None:
    """A failed or missing delivery is recorded too: reports show what did not arrive and why."""
    ensure_bookkeeping(con)
    con.execute(
        f"insert into {RAW_SCHEMA}._manifest values "
        "(?, ?, ?, ?, ?, ?, ?, ?, null, null, null, ?, ?, ?, ?)",
        [
            bureau,
            dataset,
            raw_table,
            day,
            source_location,
            landed.relative if landed else None,
            landed.sha256 if landed else None,
            landed.bytes if landed else None,
            "missing" if landed is None else "failed",
            message,
            landed.delivered_at if landed else None,
            clock.now(),
        ],
    )
