"""The baseline rules of a standard's suite, generated from the standard so that no suite
restates it by hand: what the standard declares is what every source of it is checked for.

Every rule is a GX expectation in GX's JSON form, with citybase's severity and meta. Critical
rules quarantine the rows breaking them (and block promotion beyond their `mostly` tolerance);
warnings flag them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from orchestration.standards import Standard, load_standards
from orchestration.standards.model import StandardColumn

MOSTLY = 0.75  # a critical rule blocks the night's promotion when more than 25% of rows break it
TWELVE_DIGITS = "^[0-9]{12}$"


@cache
def standards_by_table() -> dict[str, Standard]:
    return {s.table: s for s in load_standards().values()}


def reference_parameter(reference: str) -> str:
    """The $PARAMETER name of a reference (domain.entity.column)."""
    return f"reference:{reference}"


@cache
def reference_queries() -> dict[str, str]:
    """The query behind every reference the standards declare: the values delivered so far."""
    queries = {}
    for standard in load_standards().values():
        for column in standard.columns:
            if column.references:
                target_id, _, target_column = column.references.rpartition(".")
                table = load_standards()[target_id].table
                queries[reference_parameter(column.references)] = (
                    f'select distinct "{target_column}" from raw.{table} '
                    f'where "{target_column}" is not null'
                )
    return queries


def _rule(
    kind: str,
    kwargs: dict[str, Any],
    rule: str,
    reason: str,
    dimension: str,
    critical: bool,
    reason_zh: str | None = None,
) -> dict[str, Any]:
    if critical:
        kwargs = {**kwargs, "mostly": MOSTLY}
    meta = {"rule": rule, "reason": reason, "dimension": dimension}
    return {
        "type": f"expect_{kind}",
        "kwargs": kwargs,
        "severity": "critical" if critical else "warning",
        "meta": meta | ({"reason_zh": reason_zh} if reason_zh else {}),
    }


def _column_rules(standard: Standard, column: StandardColumn) -> list[dict[str, Any]]:
    name = column.name
    rules = []
    if column.required:
        rules.append(
            _rule("column_values_to_not_be_null", {"column": name}, f"{name}_present",
                  f"{name} is required by the standard {standard.id}", "completeness", True)
        )  # fmt: skip
    if column.division_code:
        rules.append(
            _rule("column_values_to_match_regex", {"column": name, "regex": TWELVE_DIGITS},
                  f"{name}_format", f"{name} must be a division code of 2, 4, 6, 9 or 12 digits "
                  "(held as 12)", "conformity", True,
                  f"字段 {name} 应为 2、4、6、9 或 12 位行政区划代码（统一补足为 12 位）")
        )  # fmt: skip
    if column.codes:
        values = [int(c) if column.type in ("integer", "bigint") else c for c in column.codes]
        rules.append(
            _rule("column_values_to_be_in_set", {"column": name, "value_set": values},
                  f"{name}_allowed_value", f"{name} must be one of the standard's codes {values}",
                  "conformity", True)
        )  # fmt: skip
    if column.range:
        low, high = column.range
        bounds = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}
        unit = f" {column.unit}" if column.unit else ""
        shown = (
            f"{'-∞' if low is None else f'{low:g}'}..{'∞' if high is None else f'{high:g}'}{unit}"
        )
        rules.append(
            _rule("column_values_to_be_between", {"column": name, **bounds}, f"{name}_in_range",
                  f"{name} outside {shown} is not a plausible value", "accuracy", True,
                  f"字段 {name} 超出 {shown} 不是合理的值")
        )  # fmt: skip
    if column.references:
        parameter = {"$PARAMETER": reference_parameter(column.references)}
        target = column.references.rpartition(".")[0]
        rules.append(
            _rule("column_values_to_be_in_set", {"column": name, "value_set": parameter},
                  f"{name}_exists", f"{name} must exist in the delivered {target}",
                  "consistency", column.reference_severity == "critical")
        )  # fmt: skip
    fact = column.personal_fact
    if fact and fact.fact in ("checksum_ok", "phone_valid"):
        checksum = fact.fact == "checksum_ok"
        what, what_zh = (
            (
                "an ID number with a valid check digit (GB 11643)",
                "校验位正确的身份证号码（GB 11643）",
            )
            if checksum
            else ("a well-formed mainland mobile number", "格式正确的大陆手机号码")
        )
        rules.append(
            _rule("column_values_to_be_in_set", {"column": name, "value_set": [True]},
                  f"{name}", f"{fact.of} must come from {what}", "accuracy", checksum,
                  f"字段 {name}：{fact.of} 应由{what_zh}生成")
        )  # fmt: skip
    return rules


def baseline(standard: Standard) -> list[dict[str, Any]]:
    """The standard's generated rules, in GX's JSON form."""
    rules = [r for c in standard.columns for r in _column_rules(standard, c)]
    if standard.keys:
        unique = (
            {"column": standard.keys[0]}
            if len(standard.keys) == 1
            else {"column_list": list(standard.keys)}
        )
        kind = (
            "column_values_to_be_unique"
            if len(standard.keys) == 1
            else ("compound_columns_to_be_unique")
        )
        shown = ", ".join(standard.keys)
        rules.append(
            _rule(kind, unique, "key_unique", f"({shown}) identifies a record; duplicates are "
                  "kept once in staging", "accuracy", False)
        )  # fmt: skip
    return rules
