"""The source checks of one dataset's day: its suite on each raw table it loads, and the
deliveries suite on its manifest rows. This is what the extract assets run after a load."""

from __future__ import annotations

import datetime as dt
import time

import duckdb

from orchestration.contracts.model import Contract
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
from orchestration.standards import standard


def personal_columns(contract: Contract) -> set[str]:
    """The raw columns of the contract's standard that hold pseudonyms (samples mask them)."""
    if contract.format == "gtfs":
        return set()
    return set(standard(contract.standard_id).personal)


PULLED_FORMATS = {"rest", "sql"}  # fetched by citybase: the fetch time says nothing of the bureau


def delivery_deadline(contract: Contract, day: dt.date) -> dt.datetime | None:
    """When the day's delivery was due: the contract's time on the following day. Snapshots
    of reference data and pulled sources have no delivery deadline."""
    if not contract.is_daily or contract.format in PULLED_FORMATS:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), contract.expected_delivery)


def check_raw_table(
    con: duckdb.DuckDBPyConnection, contract: Contract, raw_table: str, asset: str, day: dt.date
) -> list[CheckRecord]:
    """Validates the rows the day's load put into `raw_table`, quarantines and flags what fails."""
    suite = load_suite(raw_table)
    if suite is None:
        return []
    daily = contract.is_daily
    outcomes = validate_batch(
        con,
        suite,
        f"select * from {RAW_SCHEMA}.{raw_table} where _source = ? "
        "and (_partition_date = ? or not ?)",
        [contract.key, day, daily],
        day,
        personal_columns(contract),
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
