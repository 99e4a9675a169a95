"""Quality scores on the six dimensions of GB/T 36344-2018, from what the night recorded.

Scores are deductions from 100 (扣分制), so that a defect shows however many rules pass beside
it: each rule or event of the night that found a problem costs its weight (10 points for an
error-severity rule or a failed event, 3 for a warning) times its extent, the share of the rows
it applies to that fail, counted in full from 1 % (SATURATION) up. A rule without a row count (a
dbt test, a scan, an anomaly check) and an event (a delivery missing or unreadable, a dataset
held back) fail whole. Completeness also counts each delivered column that arrived entirely
empty although earlier deliveries filled it. A unit's dimension score is max(0, 100 −
deductions); a bureau's is the mean over its units, its overall score the mean over the
dimensions. Kept per night in `quality.scores`.
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
from orchestration.observability.metrics import ensure_metric_store
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
    components integer not null    -- rules and events scored
)"""

WEIGHTS = {"error": 10.0, "warn": 3.0}  # points a rule or event costs at full extent
SATURATION = 0.01  # a share of failing rows from which a rule costs its full weight
HISTORY_DAYS = 70  # how far back a column counts as one that usually carries values


def deduction(severity: str, failing_share: float) -> float:
    """Points a component costs: its weight times its extent (failing share ÷ SATURATION, ≤ 1)."""
    return WEIGHTS[severity] * min(1.0, failing_share / SATURATION)


FORMULA = {
    "zh": "各维度得分 = max(0, 100 − 扣分)。每条规则或事件按严重程度扣分："
    "错误级 10 分、警告级 3 分，乘以不合格行占适用行的比例（达到 1% 即扣满）；"
    "无行数的检查（dbt 测试、发布扫描、异常检测）"
    "与事件（缺交、无法读取、暂缓发布）按整项扣分；完整性另计以往有值、今晚整列为空的字段。"
    "局得分为各数据集得分的平均，综合得分为各维度得分的平均。",
    "en": "Each dimension score is max(0, 100 − deductions). A rule or event costs its severity's "
    "weight — 10 points for an error, 3 for a warning — times the share of the rows it applies "
    "to that fail, in full from 1 % up; a check without a row count (a dbt test, a publication "
    "scan, an anomaly check) and an event (a delivery missing or unreadable, a dataset held "
    "back) costs its whole weight. Completeness also counts each delivered column that arrived "
    "entirely empty although earlier deliveries filled it. A bureau's score is the mean over "
    "its datasets; the overall score the mean over the dimensions.",
}


def unit_of_assets(contracts: list[Contract]) -> dict[str, str]:
    """Raw asset key -> the source dataset it belongs to (a GTFS feed has one asset per file)."""
    units = {}
    for c in contracts:
        for key in [raw_asset_key(c), *gtfs_table_keys(c).values()]:
            units[key.to_user_string()] = c.dataset
    return units


def _rule_deductions(con: duckdb.DuckDBPyConnection, day: dt.date, units: dict[str, str]):
    rows = con.execute(
        f"""select bureau, asset, source, severity, dimension, passed, evaluated, failed
            from {QUALITY_SCHEMA}.check_results
            where run_date = ? and dimension is not null""",
        [day],
    ).fetchall()
    for bureau, asset, source, severity, dimension, passed, evaluated, failed in rows:
        if source == "gx":
            if not evaluated:
                continue  # no rows the rule applies to: nothing to score
            share = min(1.0, (failed or 0) / evaluated)
        else:
            share = 0.0 if passed else 1.0
        unit = {"dbt": WAREHOUSE_UNIT, "publish": OPEN_DATA_UNIT}.get(source, units.get(asset))
        if unit:
            yield bureau, unit, dimension, deduction(severity, share)


def _delivery_deductions(con: duckdb.DuckDBPyConnection, day: dt.date):
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
        failed = 0.0 if status in ("loaded", "skipped_duplicate") else 1.0
        yield bureau, dataset, "accessibility", deduction("error", failed)
        yield bureau, dataset, "completeness", deduction("error", failed)
        if status == "loaded" and read:
            yield bureau, dataset, "conformity", deduction("error", rejected / read)


def _empty_column_deductions(con: duckdb.DuckDBPyConnection, day: dt.date):
    """Completeness: each column of the night's deliveries that arrived with no value at all
    although it carried values in an earlier delivery (a column always empty is not expected)."""
    ensure_metric_store(con)
    rows = con.execute(
        f"""with tonight as (
                select bureau, dataset, column_name, bool_and(null_share = 1) as empty
                from {QUALITY_SCHEMA}.column_metrics where partition_date = ? and rows > 0
                group by all
            ),
            filled_before as (
                select distinct bureau, dataset, column_name
                from {QUALITY_SCHEMA}.column_metrics
                where partition_date between ? - {HISTORY_DAYS} and ? - 1 and null_share < 1
            )
            select t.bureau, t.dataset, t.empty
            from tonight t join filled_before using (bureau, dataset, column_name)""",
        [day, day, day],
    ).fetchall()
    for bureau, dataset, empty in rows:
        yield bureau, dataset, "completeness", deduction("warn", float(empty))


def _publication_deductions(con: duckdb.DuckDBPyConnection, day: dt.date):
    rows = con.execute(
        f"""select bureau, status from {QUALITY_SCHEMA}.publications
            where run_date = ? and status <> 'kept_in_warehouse'""",
        [day],
    ).fetchall()
    for bureau, status in rows:
        yield bureau, OPEN_DATA_UNIT, "accessibility", deduction("error", status == "held_back")


def score_night(
    con: duckdb.DuckDBPyConnection, day: dt.date, contracts: list[Contract]
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores every bureau's units for the night and stores them; returns
    bureau -> unit -> dimension -> score."""
    ensure_quality_schema(con)
    con.execute(DDL)
    deductions: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for source in (
        _rule_deductions(con, day, unit_of_assets(contracts)),
        _delivery_deductions(con, day),
        _empty_column_deductions(con, day),
        _publication_deductions(con, day),
    ):
        for bureau, unit, dimension, points in source:
            deductions[bureau, unit, dimension].append(points)
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    rows = []
    for (bureau, unit, dimension), values in sorted(deductions.items()):
        score = round(max(0.0, 100 - sum(values)), 1)
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
