"""The source checks of one dataset's day: its suite on each raw table it loads, and the
deliveries suite on its manifest rows. This is what the extract assets run after a load."""

from __future__ import annotations

import datetime as dt
import time

import duckdb

from orchestration.connectors import gtfs
from orchestration.contracts.model import Column, Contract
from orchestration.landing.load import SQL_TYPES
from orchestration.landing.readers import quote
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.quality.store import (
    CheckRecord,
    quarantine_and_flag,
    records_from_outcomes,
    save_records,
    save_timing,
)
from orchestration.quality.suites import DELIVERIES_SUITE, load_suite
from orchestration.quality.validate import validate_batch

PULLED_FORMATS = {"rest", "sql"}  # fetched by citybase: the fetch time says nothing of the bureau


def delivery_deadline(contract: Contract, day: dt.date) -> dt.datetime | None:
    """When the day's delivery was due: the contract's time on the following day. Snapshots
    of reference data and pulled sources have no delivery deadline."""
    if not contract.is_daily or contract.format in PULLED_FORMATS:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), contract.expected_delivery)


def _columns(contract: Contract, raw_table: str) -> list[Column]:
    if contract.format == "gtfs":
        return gtfs.REFERENCE[raw_table.rsplit("__", 1)[1]].columns()
    return contract.columns


def _typed_select(contract: Contract, raw_table: str) -> str:
    """Raw tables hold values as delivered (text); rules compare them as the contract types
    them. Values that do not cast were quarantined at load, so the casts cannot fail."""
    casts = [
        f"try_cast({quote(c.name)} as {SQL_TYPES[c.type]}) as {quote(c.name)}"
        for c in _columns(contract, raw_table)
        if c.type in SQL_TYPES
    ]
    return f"select * replace ({', '.join(casts)})" if casts else "select *"


def check_raw_table(
    con: duckdb.DuckDBPyConnection, contract: Contract, raw_table: str, asset: str, day: dt.date
) -> list[CheckRecord]:
    """Validates the rows the day's load put into `raw_table`, quarantines and flags what fails."""
    suite = load_suite(raw_table)
    if suite is None:
        return []
    daily = contract.is_daily
    where = "where _partition_date = ?" if daily else ""
    outcomes = validate_batch(
        con,
        suite,
        f"{_typed_select(contract, raw_table)} from {RAW_SCHEMA}.{raw_table} {where}",
        [day] if daily else [],
        day,
        set(contract.personal_data),
    )
    quarantine_and_flag(con, contract.bureau, contract.dataset, raw_table, day, daily, outcomes)
    return records_from_outcomes(asset, contract.bureau, outcomes)


def check_delivery(
    con: duckdb.DuckDBPyConnection, contract: Contract, asset: str, day: dt.date
) -> list[CheckRecord]:
    """The deliveries suite on the day's manifest rows: on time, schema as contracted."""
    suite = load_suite(DELIVERIES_SUITE)
    assert suite is not None, "expectations/deliveries.json is part of the project"
    outcomes = validate_batch(
        con,
        suite,
        f"""select row_number() over (order by landed_file) as _row_number,
                   landed_file as _source_file, delivered_at, ?::timestamp as deadline,
                   message as schema_drift, rows_read, rows_quarantined
            from {RAW_SCHEMA}._manifest
            where bureau = ? and dataset = ? and status = 'loaded'
              and (partition_date = ? or not ?)""",
        [
            delivery_deadline(contract, day),
            contract.bureau,
            contract.dataset,
            day,
            contract.is_daily,
        ],
        day,
        set(),
    )
    return records_from_outcomes(asset, contract.bureau, outcomes)


def run_source_checks(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    day: dt.date,
    table_assets: dict[str, str],
) -> list[CheckRecord]:
    """All source checks of a dataset's day, saved to quality.check_results.

    `table_assets` maps each raw table loaded to its asset key; the dataset's own asset (the
    first) also carries the delivery checks.
    """
    started = time.perf_counter()
    dataset_asset = next(iter(table_assets.values()))
    records = []
    for raw_table, asset in table_assets.items():
        records += check_raw_table(con, contract, raw_table, asset, day)
    records += check_delivery(con, contract, dataset_asset, day)
    save_records(con, day, records, {"gx"})
    save_timing(con, day, "source_checks", dataset_asset, time.perf_counter() - started)
    return records
