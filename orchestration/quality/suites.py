"""Source suites: one Great Expectations suite per raw table. A standard's baseline rules
(required columns, keys, code lists, ranges, division-code format, references, identifier
checks) are generated from the standard (baseline.py); the rules no standard can express are
hand-written in GX's own JSON in `expectations/<domain>/<entity>.json` (GTFS: one per feed
file, `gtfs__<file>.json`), and the suite is both.

Each expectation carries GX's `severity` (critical blocks promotion, warning is reported) and a
`meta` block with the rule's name (the Dagster check name), the reason a bureau would read, and
its GB/T 36344 quality dimension. Suites are read as plain JSON here, so that building the Dagster
definitions does not pay the seconds GX takes to import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from orchestration.quality.baseline import baseline, reference_queries, standards_by_table
from orchestration.quality.wording import bilingual, reason_zh
from orchestration.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
PARAMETERS_FILE = EXPECTATIONS_DIR / "parameters.yaml"
DIMENSIONS = ("conformity", "completeness", "accuracy", "consistency", "timeliness")
SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict[str, Any]
    severity: str
    rule: str
    reason: str
    dimension: str

    @property
    def columns(self) -> list[str]:
        kw = self.kwargs
        if "column" in kw:
            return [kw["column"]]
        if "column_A" in kw:
            return [kw["column_A"], kw["column_B"]]
        return list(kw.get("column_list", []))

    @property
    def parameters(self) -> list[str]:
        return [v["$PARAMETER"] for v in self.kwargs.values() if isinstance(v, dict)]


@dataclass(frozen=True)
class Suite:
    name: str  # the raw table it validates, e.g. health__outpatient_visits
    path: Path
    expectations: list[Expectation]
    batch_columns: dict[str, str] = field(default_factory=dict)


class SuiteError(ValueError):
    pass


DELIVERIES_SUITE = "deliveries"  # validated against every dataset's manifest rows


def suite_path(raw_table: str) -> Path:
    if "__" not in raw_table:
        return EXPECTATIONS_DIR / f"{raw_table}.json"
    bureau, dataset = raw_table.split("__", 1)
    return EXPECTATIONS_DIR / bureau / f"{dataset}.json"


def _expectation(path: Path, item: dict[str, Any]) -> Expectation:
    meta = item.get("meta", {})
    missing = [k for k in ("rule", "reason", "dimension") if k not in meta]
    if missing:
        raise SuiteError(f"{path}: expectation {item.get('type')} lacks meta {missing}")
    severity = item.get("severity", "critical")
    if severity not in SEVERITIES or meta["dimension"] not in DIMENSIONS:
        raise SuiteError(
            f"{path}: rule {meta['rule']}: severity must be one of {SEVERITIES} and "
            f"dimension one of {DIMENSIONS}"
        )
    zh = meta.get("reason_zh") or reason_zh(item["type"], item["kwargs"])
    return Expectation(
        item["type"],
        item["kwargs"],
        severity,
        meta["rule"],
        bilingual(zh, meta["reason"]),
        meta["dimension"],
    )


@cache
def load_suite(raw_table: str) -> Suite | None:
    """The suite for a raw table (its standard's baseline rules and the hand-written ones), or
    None when the table has neither."""
    path = suite_path(raw_table)
    standard = standards_by_table().get(raw_table)
    generated = [_expectation(path, item) for item in baseline(standard)] if standard else []
    data: dict[str, Any] = {"name": raw_table, "expectations": []}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    elif not generated:
        return None
    if data.get("name") != raw_table:
        raise SuiteError(f"{path}: suite name must be {raw_table!r}, is {data.get('name')!r}")
    expectations = generated + [_expectation(path, item) for item in data["expectations"]]
    rules = [e.rule for e in expectations]
    if len(set(rules)) != len(rules):
        repeated = sorted({r for r in rules if rules.count(r) > 1})
        raise SuiteError(
            f"{path}: rule names must be unique within a suite; {repeated} are given twice "
            "(the standard's baseline rules are generated: do not write them by hand)"
        )
    batch_columns = data.get("meta", {}).get("citybase", {}).get("batch_columns", {})
    return Suite(raw_table, path, expectations, batch_columns)


@cache
def parameter_queries() -> dict[str, str]:
    """Named SQL queries whose results feed `$PARAMETER` references (e.g. existing division
    codes): the reference data a rule checks against comes from the warehouse, not the suite.
    References declared by the standards add theirs (see baseline.reference_parameter)."""
    named = yaml.safe_load(PARAMETERS_FILE.read_text(encoding="utf-8")) or {}
    return {**reference_queries(), **named}
