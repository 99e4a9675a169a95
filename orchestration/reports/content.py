"""What a night's reports say, as plain data (the JSON files are exactly this; the HTML renders
it). Everything comes from the warehouse's bookkeeping: the load manifest, the quarantine, the
check results the Dagster asset checks reported, and the publication outcomes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from orchestration import clock
from orchestration.bureaus import bureau_register
from orchestration.contracts import Contract
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.observability.anomalies import ANOMALIES_DDL
from orchestration.quality.sources import delivery_deadline
from orchestration.quality.store import QUALITY_SCHEMA
from orchestration.quality.wording import bilingual, load_rule_zh
from orchestration.reports.scores import (
    DIMENSIONS,
    FORMULA,
    OPEN_DATA_UNIT,
    WAREHOUSE_UNIT,
    bureau_scores,
)

EXAMPLES = 3
WEEK = dt.timedelta(days=7)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


UNDELIVERED = ("missing", "failed", "not received")  # nothing usable landed for the day


def deliveries(
    con: duckdb.DuckDBPyConnection, bureau: str, day: dt.date, contracts: list[Contract]
) -> list[dict[str, Any]]:
    """One row per file of the night: reconciliation and arrival against the contract."""
    rows = _rows(
        con,
        f"""select dataset, landed_file, status, rows_read, rows_loaded, rows_quarantined,
                   delivered_at, message
            from {RAW_SCHEMA}._manifest where bureau = ? and partition_date = ?
            qualify row_number() over (
                partition by dataset, coalesce(landed_file, '') order by landed_at desc) = 1
            order by dataset, landed_file""",
        [bureau, day],
    )
    landed = {row["dataset"] for row in rows if row["status"] not in UNDELIVERED}
    # a late or repaired delivery that landed replaces the night's missing/failed entry
    rows = [r for r in rows if r["status"] not in UNDELIVERED or r["dataset"] not in landed]
    by_dataset = {c.dataset: c for c in contracts if c.bureau == bureau}
    recorded = {row["dataset"] for row in rows}
    rows += [
        {"dataset": c.dataset, "landed_file": None, "status": "not received", "message": None}
        | dict.fromkeys(("rows_read", "rows_loaded", "rows_quarantined", "delivered_at"))
        for c in by_dataset.values()
        if c.is_daily and c.dataset not in recorded
    ]
    now = clock.now()
    for row in rows:
        contract = by_dataset.get(row["dataset"])
        due = delivery_deadline(contract, day) if contract else None
        arrived = row["delivered_at"]
        row["title"] = contract.title if contract else row["dataset"]
        row["expected_by"] = due.isoformat(sep=" ") if due else None
        row["on_time"] = None if due is None or arrived is None else arrived <= due
        row["overdue"] = due is not None and row["status"] in UNDELIVERED and now > due
        row["delivered_at"] = arrived.isoformat(sep=" ", timespec="seconds") if arrived else None
        row["reconciled"] = row["status"] != "loaded" or (
            row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]
        )
    return rows


def failed_rules(con: duckdb.DuckDBPyConnection, bureau: str, day: dt.date) -> list[dict]:
    """Every check of the night that failed or found failing rows, worst first. Samples were
    masked when the checks ran; they are the same the Dagster asset checks show."""
    rows = _rows(
        con,
        f"""select asset, check_name as rule, source, severity, dimension, passed, evaluated,
                   failed, sample, description
            from {QUALITY_SCHEMA}.check_results
            where run_date = ? and bureau = ? and (not passed or coalesce(failed, 0) > 0)
            order by severity, passed, failed desc nulls last, asset, rule""",
        [day, bureau],
    )
    for row in rows:
        row["examples"] = json.loads(row.pop("sample") or "[]")[:EXAMPLES]
    return rows


def quarantined(con: duckdb.DuckDBPyConnection, bureau: str, day: dt.date) -> list[dict]:
    """Rows taken out of the night's deliveries, per dataset and rule, with masked examples."""
    rows = _rows(
        con,
        f"""select dataset, rule, any_value(reason) as reason, count(*) as rows,
                   list(record_masked order by row_number)[1:{EXAMPLES}] as examples
            from {RAW_SCHEMA}._quarantine where bureau = ? and partition_date = ?
            group by dataset, rule order by rows desc, dataset, rule""",
        [bureau, day],
    )
    for row in rows:
        said = load_rule_zh(row["rule"])
        row["reason"] = bilingual(said, row["reason"]) if said else row["reason"]
    return rows


def changes(
    con: duckdb.DuckDBPyConnection, bureau: str, day: dt.date, labels: dict[str, dict[str, str]]
) -> list[dict]:
    """What changed tonight: the night's anomalies (observability.anomalies), blocking first,
    each with the nights its baseline was drawn from and tonight's value, for the chart."""
    con.execute(ANOMALIES_DDL)
    rows = _rows(
        con,
        f"""select dataset, check_name, family, column_name, value, expected, z, blocking,
                   compared_with, history, summary_zh, summary_en
            from {QUALITY_SCHEMA}.anomalies where bureau = ? and run_date = ?
            order by blocking desc, abs(z) desc, dataset, column_name""",
        [bureau, day],
    )
    for row in rows:
        row["history"] = [*json.loads(row["history"]), [day.isoformat(), row["value"]]]
        row["label"] = labels.get(row["dataset"], {"zh": row["dataset"], "en": row["dataset"]})
    return rows


def publications(con: duckdb.DuckDBPyConnection, bureau: str, day: dt.date) -> list[dict]:
    rows = _rows(
        con,
        f"""select dataset, openness, status, release_id, reasons
            from {QUALITY_SCHEMA}.publications where bureau = ? and run_date = ?
            order by dataset""",
        [bureau, day],
    )
    for row in rows:
        row["reasons"] = json.loads(row["reasons"] or "[]")
    return rows


def _unit_labels(contracts: list[Contract], bureau: str) -> dict[str, dict[str, str]]:
    labels = {c.dataset: {"zh": c.title, "en": c.title_en} for c in contracts if c.bureau == bureau}
    labels[WAREHOUSE_UNIT] = {"zh": "数据仓库模型", "en": "Warehouse models (dbt tests)"}
    labels[OPEN_DATA_UNIT] = {"zh": "开放数据", "en": "Open data (published files)"}
    return labels


def bureau_report(
    con: duckdb.DuckDBPyConnection,
    bureau: str,
    day: dt.date,
    contracts: list[Contract],
    units: dict[str, dict[str, float]],
    trend: dict[dt.date, dict[str, float]],
) -> dict[str, Any]:
    labels = _unit_labels(contracts, bureau)
    return {
        "bureau": bureau,
        "name": bureau_register(contracts).get(bureau, {"zh": bureau, "en": bureau}),
        "date": day.isoformat(),
        "generated_at": clock.now().isoformat(),
        "dimensions": {k: vars(d) for k, d in DIMENSIONS.items()},
        "scores": bureau_scores(units),
        "formula": FORMULA,
        "datasets": [
            {"unit": unit, "label": labels.get(unit, {"zh": unit, "en": unit}), "scores": s}
            for unit, s in sorted(units.items())
        ],
        "changes": changes(con, bureau, day, labels),
        "deliveries": deliveries(con, bureau, day, contracts),
        "failed_rules": failed_rules(con, bureau, day),
        "quarantined": quarantined(con, bureau, day),
        "publications": publications(con, bureau, day),
        "trend": [{"date": night.isoformat(), **s} for night, s in sorted(trend.items())],
    }


def week_change(trend: dict[dt.date, dict[str, float]], day: dt.date) -> float | None:
    """Overall score now minus a week ago (or the earliest night of the week kept)."""
    earlier = [n for n in trend if day - WEEK <= n < day]
    if day not in trend or not earlier:
        return None
    return round(trend[day]["overall"] - trend[min(earlier)]["overall"], 1)


def city_report(
    day: dt.date, reports: list[dict[str, Any]], trends: dict[str, dict[dt.date, dict]]
) -> dict[str, Any]:
    ranked = sorted(reports, key=lambda r: -r["scores"].get("overall", 0))
    return {
        "date": day.isoformat(),
        "generated_at": clock.now().isoformat(),
        "dimensions": {k: vars(d) for k, d in DIMENSIONS.items()},
        "bureaus": [
            {
                "rank": rank,
                "bureau": r["bureau"],
                "name": r["name"],
                "scores": r["scores"],
                "week_change": week_change(trends.get(r["bureau"], {}), day),
                "files": len(r["deliveries"]),
                "rows_read": sum(d["rows_read"] or 0 for d in r["deliveries"]),
                "rows_quarantined": sum(d["rows_quarantined"] or 0 for d in r["deliveries"]),
                "failed_rules": sum(1 for f in r["failed_rules"] if not f["passed"]),
                "held_back": [
                    p["dataset"] for p in r["publications"] if p["status"] == "held_back"
                ],
            }
            for rank, r in enumerate(ranked, start=1)
        ],
    }
