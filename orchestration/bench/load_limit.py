"""The load limit: the night's deliveries loaded by bare DuckDB in one process.

Every file the night loaded (raw._manifest) is read by DuckDB's own reader as text, mapped onto
its standard with the contract's SQL (the same casts, units, code maps and pseudonyms as the
load) into its raw table in a fresh file: no line counts, no rules, no quarantine, no
bookkeeping, no Dagster. What a night's extract is measured against; the transform limit
(limit.py) then builds every model from these tables.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from orchestration.connectors import gtfs
from orchestration.contracts import load_contracts
from orchestration.contracts.mapping import Plan, gtfs_plans, plan
from orchestration.contracts.model import Contract
from orchestration.landing.load import pseudonym_pads, raw_rows_sql
from orchestration.landing.records import first_record
from orchestration.sql import literal, quote
from orchestration.warehouse import connect, load_extension

COPIED = ("reference", "raw")
# Contract encodings -> the ICU names of DuckDB's encodings extension, which the limit reads with
# (citybase's readers decode in Python instead: landing/readers.utf8_copy).
ICU_ENCODINGS = {"gbk": "gb18030", "gb2312": "gb18030", "utf8": "utf-8"}


def _scan(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> str:
    """DuckDB's reader of the file's format, as a relation."""
    file = literal(str(path))
    match contract.format:
        case "csv" | "gtfs":
            encoding = ICU_ENCODINGS.get(contract.encoding.lower(), contract.encoding)
            if encoding != "utf-8":
                load_extension(con, "encodings")
            header = first_record(path, contract.encoding, str(path))
            columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
            return (
                f"read_csv({file}, header = true, auto_detect = false, columns = {columns}, "
                f"delim = ',', quote = '\"', escape = '\"', encoding = {literal(encoding)}, "
                "ignore_errors = true)"
            )
        case "jsonl":
            return f"read_json({file}, format = 'newline_delimited', ignore_errors = true)"
        case "rest":
            assert contract.rest is not None
            items = quote(contract.rest.items_field)
            return (
                f"(select unnest(item) from (select unnest({items}) as item "
                f"from read_json({file}, format = 'newline_delimited', ignore_errors = true)))"
            )
        case "parquet" | "sql":
            return f"read_parquet({file})"
        case "xlsx":
            load_extension(con, "excel")
            return (
                f"read_xlsx({file}, sheet = {literal(contract.sheet or '')}, all_varchar = true, "
                "header = true, stop_at_empty = false)"
            )
    raise ValueError(f"no load limit for format {contract.format}")


def _load(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    mapping: Plan,
    path: Path,
    day: dt.date,
    label: str,
) -> None:
    source = _scan(con, contract, path)
    present = {r[0] for r in con.execute(f"describe select * from {source}").fetchall()}
    delivered = ", ".join(
        f"cast({quote(c.name)} as varchar) as {quote(c.name)}"
        if c.name in present
        else f"NULL::VARCHAR as {quote(c.name)}"
        for c in mapping.delivered
    )
    values = ", ".join(f"{c.value_sql} as {quote(c.name)}" for c in mapping.columns)
    con.execute(f"""create or replace temp table _mapped as
        select {values}, row_number() over () as _row_number, NULL::VARCHAR as __rule
        from (select {delivered} from {source}) as incoming""")
    rows = raw_rows_sql(mapping, day, label, dt.datetime.now())
    con.execute(f"insert into raw.{mapping.raw_table} by name {rows}", pseudonym_pads(mapping))


def _loaded_files(night: Path, day: dt.date) -> dict[tuple[str, str], list[str]]:
    """(bureau, dataset) -> the landed files the night loaded for `day`."""
    with connect(night, read_only=True) as con:
        rows = con.execute(
            """select bureau, dataset, landed_file from raw._manifest
               where status = 'loaded' and partition_date = ?""",
            [day],
        ).fetchall()
    files: dict[tuple[str, str], list[str]] = {}
    for bureau, dataset, landed in rows:
        files.setdefault((bureau, dataset), []).append(landed.split("#", 1)[0])
    return {key: sorted(set(paths)) for key, paths in files.items()}


def _copy_the_rest(con: duckdb.DuckDBPyConnection, night: Path, day: dt.date) -> None:
    """Everything of the night's warehouse the load does not make, copied untimed: reference
    tables, the raw bookkeeping, and the raw rows of other days (earlier nights' deliveries)."""
    con.execute(f"attach {literal(str(night))} as night (read_only)")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = 'night' and list_contains(?, schema_name)",
        [list(COPIED)],
    ).fetchall()
    for schema, table in tables:
        con.execute(f"create schema if not exists {schema}")
        other_days = (
            f" where _partition_date is distinct from {literal(day.isoformat())}::DATE"
            if schema == "raw" and not table.startswith("_")
            else ""
        )
        con.execute(
            f"create table {schema}.{table} as select * from night.{schema}.{table}{other_days}"
        )
    con.execute("detach night")


def run_load_limit(night: Path, home: Path, target: Path, day: dt.date) -> float:
    """Seconds to load, into `target` (a new DuckDB file), the deliveries that the night in
    `home` (warehouse `night`) loaded for `day`."""
    target.unlink(missing_ok=True)
    files = _loaded_files(night, day)
    with connect(target) as con:
        _copy_the_rest(con, night, day)
        started = time.perf_counter()
        for contract in load_contracts():
            for landed in files.get((contract.bureau, contract.dataset), []):
                path = home / landed
                if contract.format != "gtfs":
                    _load(con, contract, plan(contract), path, day, landed)
                    continue
                plans = gtfs_plans(contract)
                with gtfs.temporary_folder() as folder:
                    feed = gtfs.unpack(path, landed, Path(folder))
                    for stem, member in sorted(feed.members.items()):
                        label = f"{landed}#{stem}.txt"
                        _load(con, contract, plans[stem], member, day, label)
        return time.perf_counter() - started
