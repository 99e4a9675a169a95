"""Loading one landed file into its raw table: parse, check types, pseudonymise, then replace the
day's rows, the day's quarantine and the manifest entry in one transaction, so a re-run or a
corrected delivery never duplicates rows and a crash never leaves half a load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from orchestration import clock
from orchestration.landing.errors import DeliveryError
from orchestration.landing.readers import ReadResult, TableSpec, literal, quote
from orchestration.landing.schema import RAW_SCHEMA, ensure_bookkeeping
from orchestration.landing.store import LandedFile
from orchestration.privacy import hmac_pads, hmac_sql, id_checksum_ok_sql, mask_sql, pseudonym_key

SQL_TYPES = {
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
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


def _reject_bad_types(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """A value that does not cast to the contract's type is quarantined with the rule type:<col>."""
    record = _record_expression(spec)
    for column in spec.columns:
        sql_type = SQL_TYPES.get(column.type)
        if sql_type is None:
            continue
        name = quote(column.name)
        con.execute(f"""insert into rejects
            select _row_number, 'type:{column.name}',
                   'value of {column.name} is not a valid {column.type}', {record}
            from incoming
            where {name} is not null and try_cast({name} as {sql_type}) is null
              and _row_number not in (select _row_number from rejects)""")
    con.execute("delete from incoming where _row_number in (select _row_number from rejects)")


def _personal_select(spec: TableSpec) -> str:
    """Personal columns become pseudonyms; what analysts legitimately need from an ID number
    (is it valid, birth date, sex, region of issue) is derived first, the number itself dropped."""
    items = []
    for column in spec.columns:
        name = quote(column.name)
        kind = spec.personal_data.get(column.name)
        if kind is None:
            items.append(name)
            continue
        items.append(f"{hmac_sql(name)} AS {name}")
        if kind == "id_number":
            items += [
                f"{id_checksum_ok_sql(name)} AS {quote(column.name + '_checksum_ok')}",
                f"try_strptime(substr({name}, 7, 8), '%Y%m%d')::DATE AS "
                f"{quote(column.name + '_birth_date')}",
                f"CASE WHEN regexp_full_match(substr({name}, 17, 1), '[0-9]') THEN "
                f"CASE WHEN substr({name}, 17, 1)::INTEGER % 2 = 1 THEN 'male' ELSE 'female' END "
                f"END AS {quote(column.name + '_sex')}",
                f"substr({name}, 1, 6) AS {quote(column.name + '_region_code')}",
            ]
        elif kind == "phone":
            items.append(
                f"regexp_full_match({name}, '1[3-9][0-9]{{9}}') AS {quote(column.name + '_valid')}"
            )
    return ", ".join(items)


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Creates the raw table from the shape of the rows being loaded; adds any new column."""
    con.execute(f"create table if not exists {table} as select * from _final where false")
    existing = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    for name, sql_type, *_ in con.execute("describe _final").fetchall():
        if name not in existing:
            con.execute(f"alter table {table} add column {quote(name)} {sql_type}")


def load_file(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    spec: TableSpec,
    bureau: str,
    dataset: str,
    day: dt.date,
    daily: bool,
    read: Reader,
    member: str | None = None,
) -> LoadResult:
    """Loads one landed file. `daily`: replace the day's rows; otherwise replace the whole table."""
    ensure_bookkeeping(con)
    file_label = f"{landed.relative}#{member}" if member else landed.relative
    result = read(con, spec, file_label)
    _reject_bad_types(con, spec)
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
    inner, outer = hmac_pads(pseudonym_key()) if spec.personal_data else (b"", b"")
    loaded_at = clock.now()
    con.execute(
        f"""create or replace temp table _final as
        select {_personal_select(spec)}, {literal(day.isoformat())}::DATE as _partition_date,
               {literal(file_label)} as _source_file, _row_number,
               {literal(loaded_at.isoformat(sep=" "))}::TIMESTAMP as _loaded_at
        from incoming order by _row_number""",
        {"ipad": inner, "opad": outer} if spec.personal_data else None,
    )
    table = f"{RAW_SCHEMA}.{spec.raw_table}"
    same_scope = "raw_table = ? and (partition_date = ? or not ?)"
    scope_params = [spec.raw_table, day, daily]
    con.execute("begin transaction")
    try:
        _ensure_raw_table(con, table)
        if daily:
            con.execute(f"delete from {table} where _partition_date = ?", [day])
        else:
            con.execute(f"delete from {table}")
        con.execute(f"insert into {table} by name select * from _final")
        con.execute(f"delete from {RAW_SCHEMA}._quarantine where {same_scope}", scope_params)
        con.execute(
            f"""insert into {RAW_SCHEMA}._quarantine select ?, ?, ?, ?, ?, _row_number,
            rule, reason, record, ? from rejects""",
            [bureau, dataset, spec.raw_table, day, file_label, loaded_at],
        )
        con.execute(
            f"update {RAW_SCHEMA}._manifest set status = 'superseded' "
            f"where status = 'loaded' and {same_scope}",
            scope_params,
        )
        loaded = con.execute("select count(*) from _final").fetchone()[0]
        con.execute(
            f"insert into {RAW_SCHEMA}._manifest values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?)",
            [
                bureau,
                dataset,
                spec.raw_table,
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
        spec.raw_table,
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
