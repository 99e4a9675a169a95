"""Extract one dataset for one day: fetch, keep in landing, load into raw. One entry point for
every format, so the Dagster assets, the CLI and the tests all land data the same way."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from pathlib import Path

import duckdb

from orchestration.connectors import files, gtfs, rest, sql
from orchestration.contracts.mapping import Plan, gtfs_plans, plan, raw_table_of, raw_tables_of
from orchestration.contracts.model import Contract
from orchestration.landing import readers
from orchestration.landing.errors import DeliveryError
from orchestration.landing.lake import keep_in_lake
from orchestration.landing.load import LoadResult, already_loaded, load_file, record_failure
from orchestration.landing.schema import RAW_SCHEMA, raw_tables
from orchestration.landing.store import LandedFile, keep
from orchestration.observability.metrics import profile_delivery
from orchestration.settings import Paths

FILE_READERS = {
    "csv": readers.read_csv,
    "jsonl": readers.read_jsonl,
    "parquet": readers.read_parquet,
    "xlsx": readers.read_xlsx,
    "sql": readers.read_parquet,
}


def table_spec(contract: Contract, plan: Plan) -> readers.TableSpec:
    """What the reader takes from the file: the delivered columns the mapping reads."""
    return readers.TableSpec(
        plan.raw_table,
        plan.delivered,
        plan.personal_delivered,
        contract.encoding,
        contract.timezone,
        contract.sheet,
        contract.max_reject_share,
        plan.report_missing_optional,
    )


def _fetch(contract: Contract, day: dt.date, paths: Paths, scratch: Path) -> LandedFile:
    home = paths.home
    if contract.format == "rest":
        pages = scratch / f"{contract.dataset}-pages.jsonl"
        rest.fetch_pages(contract, day, home, pages)
        source, location = pages, contract.resolve_location(day, str(home))
    elif contract.format == "sql":
        assert contract.sql is not None
        source = scratch / f"{contract.sql.table}.parquet"
        location = sql.extract_to_parquet(contract, day, home, source)
    else:
        source = files.locate(contract, day, home)
        location = str(source)
    return keep(source, location, paths.landing, home, contract.bureau, contract.dataset, day)


def _read_rest_pages(path: Path, items_field: str):
    def read(con: duckdb.DuckDBPyConnection, spec: readers.TableSpec, file: str):
        items = [
            item
            for line in path.read_text(encoding="utf-8").splitlines()
            if line
            for item in json.loads(line)[items_field]
        ]
        return readers.read_records(con, items, spec, file)

    return read


def _load(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date, landed: LandedFile
) -> list[LoadResult]:
    common = dict(
        bureau=contract.bureau, dataset=contract.dataset, day=day, daily=contract.is_daily
    )
    if contract.format == "gtfs":
        results = []
        plans = gtfs_plans(contract)
        with gtfs.temporary_folder() as folder:
            feed = gtfs.unpack(landed.path, landed.relative, Path(folder))
            for stem, member_path in sorted(feed.members.items()):
                result = load_file(
                    con,
                    landed,
                    table_spec(contract, plans[stem]),
                    plans[stem],
                    **common,
                    member=f"{stem}.txt",
                    read=lambda c, s, f, p=member_path: readers.read_csv(c, p, s, f),
                )
                results.append(result)
        if feed.extra_files:
            results[0].drift.append(
                f"files outside the GTFS reference kept, not loaded: {feed.extra_files}"
            )
        return results
    if contract.format == "rest":
        assert contract.rest is not None
        read = _read_rest_pages(landed.path, contract.rest.items_field)
    else:
        reader = FILE_READERS[contract.format]
        read = lambda c, s, f: reader(c, landed.path, s, f)  # noqa: E731
    mapping = plan(contract)
    return [load_file(con, landed, table_spec(contract, mapping), mapping, **common, read=read)]


def _record(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    day: dt.date,
    landed: LandedFile | None,
    error: DeliveryError,
) -> None:
    table = raw_table_of(contract)
    record_failure(
        con, contract.bureau, contract.dataset, table, day, contract.location, landed, str(error)
    )


def extract(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date, paths: Paths
) -> list[LoadResult]:
    """Lands and loads the dataset's delivery for `day`.

    Raises DeliveryError (recorded in the manifest first) when nothing usable arrived.
    """
    landed = None
    try:
        with tempfile.TemporaryDirectory(prefix="citybase-fetch-") as scratch:
            landed = _fetch(contract, day, paths, Path(scratch))
        if already_loaded(
            con,
            contract.bureau,
            contract.dataset,
            day if contract.is_daily else None,
            landed.sha256,
        ):
            return [
                LoadResult(
                    raw_table_of(contract),
                    landed.relative,
                    landed.sha256,
                    landed.bytes,
                    "skipped_duplicate",
                )
            ]
        results = _load(con, contract, day, landed)
    except DeliveryError as exc:
        _record(con, contract, day, landed, exc)
        raise
    except (duckdb.Error, UnicodeError, ValueError, OSError, csv.Error) as exc:
        # Unforeseen by the readers: still recorded, naming the file. The exception's own text
        # is left out, since it may quote the delivered record (personal data).
        file = landed.relative if landed else contract.location
        error = DeliveryError(
            file, f"cannot be read ({type(exc).__name__}); nothing was loaded from it"
        )
        _record(con, contract, day, landed, error)
        raise error from None
    # Outside the delivery's error handling: the profile reads what was loaded, not the file.
    profile_delivery(con, contract, day, results, landed.delivered_at)
    return results


def mirror_to_lake(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date, paths: Paths
) -> dict[str, int]:
    """Keeps what raw holds of the contract's delivery for the day, after its checks, in the
    lake (landing/lake.py); returns the rows kept per raw table. Rewritten on every run, so a
    run that died between loading and keeping, or a re-run of a delivery already loaded,
    leaves the lake equal to raw all the same."""
    existing = set(raw_tables(con))
    scope = day if contract.is_daily else None
    return {
        table: sum(keep_in_lake(con, paths.raw_lake, table, contract.key, scope).values())
        for table in raw_tables_of(contract)
        if table in existing
    }


def reload(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date, paths: Paths
) -> list[LoadResult]:
    """Loads the day's landed delivery again, from landing (no new delivery): what a second
    chance re-checks. Nothing happens when the day has no loaded delivery."""
    row = con.execute(
        f"""select landed_file, source_location, sha256, bytes, delivered_at
            from {RAW_SCHEMA}._manifest
            where bureau = ? and dataset = ? and status = 'loaded'
              and (partition_date = ? or not ?)
            order by landed_at desc limit 1""",
        [contract.bureau, contract.dataset, day, contract.is_daily],
    ).fetchone()
    if row is None:
        return []
    relative = row[0].split("#", 1)[0]  # a GTFS member's label names its zip
    landed = LandedFile(paths.home / relative, relative, row[1], row[2], row[3], row[4])
    return _load(con, contract, day, landed)
