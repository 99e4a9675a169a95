"""Rules in Chinese: what a bureau reads about each rule, from the rule itself.

Every rule of a suite (generated from a standard or written by hand) is a GX expectation; its
Chinese reason is said from the expectation's type and arguments, so that a new feed's rules
read in Chinese without anyone translating them. A suite may give its own `reason_zh` in the
rule's meta where a sentence says it better.
"""

from __future__ import annotations

from typing import Any

PARAMETER_WORDS = {"day": "交付当日", "day_start": "交付当日零时", "day_end": "交付次日零时"}


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "$PARAMETER" in value:
        name = value["$PARAMETER"]
        if name.startswith("reference:"):
            return f"参考数据 {name.removeprefix('reference:')}"
        return PARAMETER_WORDS.get(name, f"参数 {name}")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value[:12]) + ("等" if len(value) > 12 else "")
    return str(value)


def _between(column: str, kw: dict[str, Any]) -> str:
    low, high = kw.get("min_value"), kw.get("max_value")
    if (_shown(low), _shown(high)) == (PARAMETER_WORDS["day_start"], PARAMETER_WORDS["day_end"]):
        return f"字段 {column} 应落在交付当日"
    if low is not None and high is not None:
        if low == high:
            return f"字段 {column} 应为{_shown(low)}"
        return f"字段 {column} 应在 {_shown(low)} 至 {_shown(high)} 之间"
    if low is not None:
        return f"字段 {column} 不应小于 {_shown(low)}"
    return f"字段 {column} 不应大于 {_shown(high)}"


def reason_zh(kind: str, kwargs: dict[str, Any]) -> str:
    """The rule in Chinese, from its GX expectation type (without `expect_`) and arguments."""
    kw = kwargs
    column = kw.get("column", "")
    columns = "、".join(kw.get("column_list", []))
    sentences = {
        "column_values_to_not_be_null": lambda: f"字段 {column} 为必填项，不应为空",
        "column_values_to_be_null": lambda: f"字段 {column} 应为空",
        "column_values_to_be_between": lambda: _between(column, kw),
        "column_values_to_be_in_set": lambda: (
            f"字段 {column} 的值应存在于{_shown(kw['value_set'])}"
            if isinstance(kw.get("value_set"), dict)
            else f"字段 {column} 应取代码表中的值：{_shown(kw.get('value_set', []))}"
        ),
        "column_values_to_match_regex": lambda: f"字段 {column} 应符合格式 {kw.get('regex')}",
        "column_values_to_not_match_regex": lambda: (
            f"字段 {column} 不应以 = + - @ 开头（表格软件会当作公式；发布时加前导撇号）"
            if str(kw.get("regex", "")).startswith("^[=+")
            else f"字段 {column} 不应符合模式 {kw.get('regex')}"
        ),
        "column_values_to_be_unique": lambda: f"字段 {column} 标识一条记录，不应重复",
        "compound_columns_to_be_unique": lambda: f"（{columns}）标识一条记录，不应重复",
        "column_pair_values_a_to_be_greater_than_b": lambda: (
            f"字段 {kw.get('column_A')} 不应{'早于' if kw.get('or_equal') else '早于或等于'}"
            f"字段 {kw.get('column_B')}"
        ),
    }
    said = sentences.get(kind.removeprefix("expect_"))
    return said() if said else f"规则 {kind}"


def bilingual(zh: str, en: str) -> str:
    """How a reason is kept and shown: Chinese first, English beside it."""
    return f"{zh} / {en}"


LOAD_RULES = {  # rules of the load itself (landing and the contract's mapping), by name prefix
    "malformed_line": "行格式错误，无法按文件格式拆分为字段",
    "type": "字段 {} 的值不是标准规定类型的有效值",
    "expr": "字段 {} 无法按合同的表达式计算",
    "map": "字段 {} 的值不在合同的取值映射中",
}


def load_rule_zh(rule: str) -> str | None:
    """The Chinese name of a landing rule such as `type:measured_at` (None for a suite's rule,
    whose reason is already bilingual)."""
    prefix, _, rest = rule.partition(":")
    said = LOAD_RULES.get(prefix)
    return said.format(rest) if said else None
