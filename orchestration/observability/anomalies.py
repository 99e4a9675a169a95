"""Anomalies: where tonight's delivery departs from its baseline (observability.baselines).

Five families of findings, each a robust z-score combined with a change of a size that matters
(the contract's `anomalies` thresholds):
- volume:   rows delivered (a partial delivery; blocking beyond `volume_drop_limit`),
- arrival:  hours after the deadline (a delivery hours later than usual),
- null share of a column (a column suddenly empty),
- mean of a numeric column, on the log scale when positive (a unit changed, ×1000),
- codes of a coded column, as the total variation distance from the baseline's shares (a code
  list swapped).
They are reported as three asset checks per raw asset (volume_anomaly, arrival_anomaly,
column_anomalies), in quality.check_results (source 'anomaly') and, with their history, in
quality.anomalies for the bureau's report.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from orchestration import clock
from orchestration.contracts.mapping import raw_table_of
from orchestration.contracts.model import AnomalyThresholds, Contract
from orchestration.observability.baselines import Baseline, baseline_of, comparable, robust
from orchestration.observability.metrics import ensure_metric_store
from orchestration.quality.store import QUALITY_SCHEMA, CheckRecord, save_records

SOURCE = "anomaly"
MIN_ROWS_PER_CODE = 20  # fewer rows per code than this: the shares are sampling noise
CHECKS = {  # check name -> GB/T 36344 dimension it counts against
    "volume_anomaly": "completeness",
    "arrival_anomaly": "timeliness",
    "column_anomalies": "accuracy",
}
FAMILY_CHECK = {
    "volume": "volume_anomaly",
    "arrival": "arrival_anomaly",
    "null_share": "column_anomalies",
    "mean": "column_anomalies",
    "codes": "column_anomalies",
}
METRIC_NAMES = {
    "volume": ("交付行数", "rows delivered"),
    "arrival": ("到达时间（相对截止，小时）", "arrival (hours after the deadline)"),
    "null_share": ("空值占比", "share of empty values"),
    "mean": ("均值", "mean"),
    "codes": ("代码分布偏移", "shift of the code shares"),
}

ANOMALIES_DDL = f"""
create schema if not exists {QUALITY_SCHEMA};
create table if not exists {QUALITY_SCHEMA}.anomalies (
    run_date date not null,
    bureau varchar not null,
    dataset varchar not null,
    asset varchar not null,
    check_name varchar not null,
    family varchar not null,        -- volume | arrival | null_share | mean | codes
    column_name varchar,
    value double not null,
    expected double not null,       -- the baseline's median, in the value's unit
    z double not null,
    blocking boolean not null,
    compared_with varchar not null, -- the day type of the history
    history varchar not null,       -- JSON [[date, value], ...], oldest first
    summary_zh varchar not null,
    summary_en varchar not null,
    recorded_at timestamp not null
)"""


@dataclass(frozen=True)
class Finding:
    family: str
    column: str | None
    value: float
    expected: float
    z: float
    anomalous: bool
    blocking: bool
    baseline: Baseline

    @property
    def check_name(self) -> str:
        return FAMILY_CHECK[self.family]

    def _shown(self, value: float) -> str:
        if self.family in ("null_share", "codes"):
            return f"{value:.1%}"
        return f"{value:,.0f}" if self.family == "volume" else f"{value:,.3g}"

    def summary(self) -> tuple[str, str]:
        """What a bureau reads: the metric, tonight's value and the usual one, in both languages."""
        zh, en = METRIC_NAMES[self.family]
        where_zh = f"字段 {self.column} 的" if self.column else ""
        where_en = f" of column {self.column}" if self.column else ""
        value, usual = self._shown(self.value), self._shown(self.expected)
        group_zh, group_en = self.baseline.compared_with.split(" / ")
        z = f"{self.z:.1f}"
        return (
            f"{where_zh}{zh}：今晚 {value}，近期{group_zh}通常为 {usual}（稳健 z = {z}）",
            f"{en}{where_en}: {value} tonight, usually {usual} on {group_en} (robust z {z})",
        )


def _series(rows: list[tuple]) -> dict[dt.date, float]:
    return {d: v for d, v in rows if v is not None}


def _judge_volume(day, history, t: AnomalyThresholds) -> Finding | None:
    today, base = history.get(day), baseline_of(day, history, t.window, t.min_history)
    if today is None or base is None:
        return None
    # Counts vary at least as a Poisson count would: small feeds are not judged on noise.
    z = (today - base.median) / base.sigma(max(1.0, math.sqrt(max(base.median, 1.0))))
    change = (today - base.median) / max(base.median, 1.0)
    anomalous = abs(z) >= t.z_score and abs(change) >= t.volume_change
    blocking = anomalous and change <= -t.volume_drop_limit
    return Finding("volume", None, today, base.median, z, anomalous, blocking, base)


def _judge_rise(family: str, floor: float, jump: float) -> Callable:
    """A share or a delay: only a rise is a finding (fewer empty values is good news)."""

    def judge(day, history, t: AnomalyThresholds, column=None) -> Finding | None:
        today, base = history.get(day), baseline_of(day, history, t.window, t.min_history)
        if today is None or base is None:
            return None
        z = (today - base.median) / base.sigma(floor)
        anomalous = z >= t.z_score and today - base.median >= jump(t)
        return Finding(family, column, today, base.median, z, anomalous, False, base)

    return judge


_judge_arrival = _judge_rise("arrival", 0.25, lambda t: t.arrival_delay_hours)
_judge_null_share = _judge_rise("null_share", 0.01, lambda t: t.null_share_jump)


def _judge_mean(day, history, t: AnomalyThresholds, column: str) -> Finding | None:
    """On the log scale when the series is positive: a ×1000 unit change is a large step on
    any level, and a pollutant's naturally skewed day-to-day swings are not."""
    today = history.get(day)
    if today is None:
        return None
    log = today > 0 and all(v > 0 for v in history.values())
    base = baseline_of(day, history, t.window, t.min_history, log=log)
    if base is None:
        return None
    if log:
        z = (math.log(today) - base.median) / base.sigma(0.05)
        expected = math.exp(base.median)
        factor = today / expected
    else:
        z = (today - base.median) / base.sigma(max(0.01 * abs(base.median), 1e-9))
        expected = base.median
        factor = 1 + abs(today - expected) / max(abs(expected), 1e-9)
    anomalous = abs(z) >= t.z_score and max(factor, 1 / factor) >= t.level_factor
    return Finding("mean", column, today, expected, z, anomalous, False, base)


def _distance(a: dict[str, float], b: dict[str, float]) -> float:
    """Total variation distance of two share vectors (codes outside either count fully)."""
    return 0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in a.keys() | b.keys())


def _judge_codes(day, shares: dict[dt.date, dict], t: AnomalyThresholds, column: str):
    """The code shares' distance from the baseline's (per code, the median share), judged
    against how far the history nights themselves lie from it: only the excess over the usual
    distance counts, so that a small feed's sampling noise is not a finding."""
    today = shares.get(day)
    found = comparable(day, {d: 1.0 for d in shares}, t.window, t.min_history)
    if today is None or found is None:
        return None
    group, nights = found
    codes = {k for d, _ in nights for k in shares[d]}
    usual = {k: robust([shares[d].get(k, 0.0) for d, _ in nights])[0] for k in codes}
    spread = [(d, _distance(shares[d], usual)) for d, _ in nights]
    median, mad = robust([v for _, v in spread])
    base = Baseline(group, spread, median, mad)
    distance = _distance(today, usual)
    z = (distance - median) / base.sigma(0.02)
    anomalous = z >= t.z_score and distance - median >= t.category_shift
    return Finding("codes", column, distance, median, z, anomalous, False, base)


def _column_findings(con, contract: Contract, day: dt.date, since: dt.date) -> list[Finding]:
    rows = con.execute(
        f"""select column_name, partition_date, null_share, mean, top_values, personal, rows,
                   distinct_count
            from {QUALITY_SCHEMA}.column_metrics
            where bureau = ? and dataset = ? and raw_table = ? and partition_date between ? and ?
            order by column_name, partition_date""",
        [contract.bureau, contract.dataset, raw_table_of(contract), since, day],
    ).fetchall()
    columns: dict[str, list[tuple]] = {}
    for column, *rest in rows:
        columns.setdefault(column, []).append(tuple(rest))
    t = contract.anomalies
    findings = []
    for column, nights in columns.items():
        findings.append(_judge_null_share(day, _series([(n[0], n[1]) for n in nights]), t, column))
        if nights[-1][4]:  # a personal column keeps no values: its empty share only
            continue
        findings.append(_judge_mean(day, _series([(n[0], n[2]) for n in nights]), t, column))
        shares = {
            night: dict(json.loads(top))
            for night, _, _, top, _, rows, distinct in nights
            if top and rows >= MIN_ROWS_PER_CODE * distinct
        }
        findings.append(_judge_codes(day, shares, t, column))
    return [f for f in findings if f is not None]


def detect(con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date) -> list[Finding]:
    """Every metric of the day's delivery judged against its baseline (nothing while learning)."""
    ensure_metric_store(con)
    since = day - dt.timedelta(days=contract.anomalies.lookback_days)
    scope = "bureau = ? and dataset = ? and raw_table = ? and partition_date between ? and ?"
    params = [contract.bureau, contract.dataset, raw_table_of(contract), since, day]
    volume = con.execute(
        f"""select partition_date, sum(rows_read)::double from {QUALITY_SCHEMA}.delivery_metrics
            where {scope} group by 1""",
        params,
    ).fetchall()
    arrival = con.execute(
        f"""select partition_date, max(hours_after_deadline) from {QUALITY_SCHEMA}.delivery_metrics
            where {scope} group by 1""",
        params,
    ).fetchall()
    t = contract.anomalies
    found = [_judge_volume(day, _series(volume), t), _judge_arrival(day, _series(arrival), t)]
    return [f for f in found if f is not None] + _column_findings(con, contract, day, since)


def check_records(contract: Contract, asset: str, findings: list[Finding]) -> list[CheckRecord]:
    """One record per anomaly check: failed when a finding is anomalous, an error when one is
    blocking (a volume drop beyond the contract's limit)."""
    records = []
    for check, dimension in CHECKS.items():
        judged = [f for f in findings if f.check_name == check]
        anomalous = [f for f in judged if f.anomalous]
        summaries = [f.summary() for f in anomalous]
        records.append(
            CheckRecord(
                asset,
                contract.bureau,
                check,
                SOURCE,
                "error" if any(f.blocking for f in anomalous) else "warn",
                dimension,
                not anomalous,
                len(judged),
                len(anomalous),
                [zh for zh, _ in summaries],
                "；".join(zh for zh, _ in summaries) + " | " + "; ".join(en for _, en in summaries)
                if summaries
                else f"{len(judged)} 项指标与基线一致 / {len(judged)} metrics within their baseline"
                if judged
                else "基线仍在积累 / baseline still learning (too few nights of this day type)",
            )
        )
    return records


def record_findings(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    day: dt.date,
    asset: str,
    findings: list[Finding],
) -> list[CheckRecord]:
    """Saves the night's anomaly checks and findings (a re-run replaces them)."""
    records = check_records(contract, asset, findings)
    save_records(con, day, records, {SOURCE})
    con.execute(ANOMALIES_DDL)
    con.execute(
        f"delete from {QUALITY_SCHEMA}.anomalies where run_date = ? and asset = ?", [day, asset]
    )
    anomalous = [f for f in findings if f.anomalous]
    if not anomalous:
        return records
    now = clock.now()
    con.executemany(
        f"insert into {QUALITY_SCHEMA}.anomalies values ({', '.join(['?'] * 16)})",
        [
            [
                day,
                contract.bureau,
                contract.dataset,
                asset,
                f.check_name,
                f.family,
                f.column,
                f.value,
                f.expected,
                f.z,
                f.blocking,
                f.baseline.compared_with,
                json.dumps([[d.isoformat(), v] for d, v in f.baseline.history]),
                *f.summary(),
                now,
            ]
            for f in anomalous
        ],
    )
    return records
