"""Quality scores on the six dimensions of GB/T 36344-2018, from what the night recorded.

A score is 100 × the mean pass rate of the dimension's components, each component one rule or
one event of the night. A rule with a row count passes in proportion (1 − failing rows / rows
it applies to); a rule without one (a dbt test, a scan) and an event (a delivery read, a model
built, a dataset served) pass or fail whole. Scores are kept per night in `quality.scores`,
which the reports' trends read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean

import duckdb

from orchestration.contracts import Contract
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.quality.store import QUALITY_SCHEMA, ensure_quality_schema

WAREHOUSE_UNIT = "warehouse"  # the bureau's dbt models and their tests
OPEN_DATA_UNIT = "open_data"  # the bureau's published datasets


@dataclass(frozen=True)
class Dimension:
    zh: str
    en: str
    definition: str


DIMENSIONS: dict[str, Dimension] = {
    "conformity": Dimension(
        "规范性",
        "Conformity",
        "Rows that parse and cast to the contracted types, values in the contracted formats, "
        "columns as contracted, and published files that pass the privacy and small-cell scans.",
    ),
    "completeness": Dimension(
        "完整性",
        "Completeness",
        "Required values present (not-null rules on deliveries and models) and each expected "
        "delivery present.",
    ),
    "accuracy": Dimension(
        "准确性",
        "Accuracy",
        "Values within their valid or physical ranges, ID check digits valid, and no duplicate "
        "keys (uniqueness is counted here).",
    ),
    "consistency": Dimension(
        "一致性",
        "Consistency",
        "Codes that exist in the registers they point to (divisions, stations, hospitals, GTFS "
        "ids), fields in their logical order (completed after submitted), models that agree "
        "with their references.",
    ),
    "timeliness": Dimension(
        "时效性",
        "Timeliness",
        "Deliveries in by the contract's expected time on the following day, and rows dated on "
        "the day they were delivered for.",
    ),
    "accessibility": Dimension(
        "可访问性",
        "Accessibility",
        "Each delivery fetched and readable, each warehouse model built, each open dataset "
        "served from a current release rather than held back.",
    ),
}

DDL = f"""
create table if not exists {QUALITY_SCHEMA}.scores (
    run_date date not null,
    bureau varchar not null,
    unit varchar not null,         -- a source dataset, 'warehouse' or 'open_data'
    dimension varchar not null,
    score double not null,         -- 0-100
    components integer not null    -- rules and events averaged
)"""


def unit_of_assets(contracts: list[Contract]) -> dict[str, str]:
    """Raw asset key -> the source dataset it belongs to (a GTFS feed has one asset per file)."""
    units = {}
    for c in contracts:
        for key in [raw_asset_key(c), *gtfs_table_keys(c).values()]:
            units[key.to_user_string()] = c.dataset
    return units


def _rule_rates(con: duckdb.DuckDBPyConnection, day: dt.date, units: dict[str, str]):
    rows = con.execute(
        f"""select bureau, asset, source, dimension, passed, evaluated, failed
            from {QUALITY_SCHEMA}.check_results
            where run_date = ? and dimension is not null""",
        [day],
    ).fetchall()
    for bureau, asset, source, dimension, passed, evaluated, failed in rows:
        if source == "gx":
            if not evaluated:
                continue  # no rows the rule applies to: nothing to score
            rate = max(0.0, 1 - (failed or 0) / evaluated)
        else:
            rate = float(passed)
        unit = {"dbt": WAREHOUSE_UNIT, "publish": OPEN_DATA_UNIT}.get(source, units.get(asset))
        if unit:
            yield bureau, unit, dimension, rate


def _delivery_rates(con: duckdb.DuckDBPyConnection, day: dt.date):
    """Each dataset's latest delivery of the day: present and readable, and its rows parsed."""
    rows = con.execute(
        f"""with latest as (
                select * from {RAW_SCHEMA}._manifest where partition_date = ?
                qualify row_number() over (
                    partition by bureau, dataset, coalesce(landed_file, '') order by landed_at desc
                ) = 1
            ),
            load_rejects as (
                select landed_file, count(*) as rejected from {RAW_SCHEMA}._quarantine
                where partition_date = ? and not starts_with(rule, 'gx:') group by all
            )
            select l.bureau, l.dataset, l.status, l.rows_read, coalesce(r.rejected, 0)
            from latest l left join load_rejects r using (landed_file)""",
        [day, day],
    ).fetchall()
    for bureau, dataset, status, read, rejected in rows:
        ok = status in ("loaded", "skipped_duplicate")
        yield bureau, dataset, "accessibility", float(ok)
        yield bureau, dataset, "completeness", float(ok)
        if status == "loaded" and read:
            yield bureau, dataset, "conformity", max(0.0, 1 - rejected / read)


def _publication_rates(con: duckdb.DuckDBPyConnection, day: dt.date):
    rows = con.execute(
        f"""select bureau, status from {QUALITY_SCHEMA}.publications
            where run_date = ? and status <> 'kept_in_warehouse'""",
        [day],
    ).fetchall()
    for bureau, status in rows:
        yield bureau, OPEN_DATA_UNIT, "accessibility", float(status != "held_back")


def score_night(
    con: duckdb.DuckDBPyConnection, day: dt.date, contracts: list[Contract]
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores every bureau's units for the night and stores them; returns
    bureau -> unit -> dimension -> score."""
    ensure_quality_schema(con)
    con.execute(DDL)
    rates: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for source in (
        _rule_rates(con, day, unit_of_assets(contracts)),
        _delivery_rates(con, day),
        _publication_rates(con, day),
    ):
        for bureau, unit, dimension, rate in source:
            rates[bureau, unit, dimension].append(rate)
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    rows = []
    for (bureau, unit, dimension), values in sorted(rates.items()):
        score = round(100 * mean(values), 1)
        scores[bureau][unit][dimension] = score
        rows.append([day, bureau, unit, dimension, score, len(values)])
    con.execute(f"delete from {QUALITY_SCHEMA}.scores where run_date = ?", [day])
    if rows:
        con.executemany(f"insert into {QUALITY_SCHEMA}.scores values (?, ?, ?, ?, ?, ?)", rows)
    return scores


def bureau_scores(units: dict[str, dict[str, float]]) -> dict[str, float]:
    """A bureau's score per dimension (mean over its units that have the dimension) and
    `overall` (mean over the dimensions scored)."""
    by_dimension = {
        d: round(mean(u[d] for u in units.values() if d in u), 1)
        for d in DIMENSIONS
        if any(d in u for u in units.values())
    }
    if by_dimension:
        by_dimension["overall"] = round(mean(by_dimension.values()), 1)
    return by_dimension


def history(
    con: duckdb.DuckDBPyConnection, day: dt.date, nights: int = 30
) -> dict[str, dict[dt.date, dict[str, float]]]:
    """bureau -> night -> dimension (and overall) -> score, for the nights up to `day`."""
    con.execute(DDL)
    rows = con.execute(
        f"""select run_date, bureau, unit, dimension, score from {QUALITY_SCHEMA}.scores
            where run_date > ? - ?::integer and run_date <= ? order by run_date""",
        [day, nights, day],
    ).fetchall()
    nested: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for night, bureau, unit, dimension, score in rows:
        nested[bureau][night][unit][dimension] = score
    return {
        bureau: {night: bureau_scores(units) for night, units in nights_.items()}
        for bureau, nights_ in nested.items()
    }
