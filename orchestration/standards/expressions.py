"""Derived columns: an expression over delivered columns, parsed and checked by sqlglot rather
than pasted into SQL. Only row-level arithmetic, text, date and conditional functions are
allowed: no subqueries, tables, aggregates, windows or functions that reach outside the row."""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

# sqlglot's node types an expression may hold (what DuckDB functions parse into).
ALLOWED_NODES = {
    "Abs", "Add", "And", "Between", "Boolean", "Case", "Cast", "Ceil", "Coalesce", "Column",
    "Concat", "ConcatWs", "DPipe", "DataType", "DateAdd", "DateFromParts", "DateSub",
    "DateTrunc", "Div", "EQ", "Floor", "GT", "GTE", "Greatest", "Identifier", "If", "In",
    "Interval", "Is", "LT", "LTE", "Least", "Left", "Length", "Literal", "Lower", "Mod", "Mul",
    "NEQ", "Neg", "Not", "Null", "Nullif", "Or", "Pad", "Paren", "RegexpExtract",
    "RegexpReplace", "Replace", "Right", "Round", "SplitPart", "StrToDate", "StrToTime", "Sub",
    "Substring", "TimeToStr", "TimestampFromParts", "Trim", "TryCast", "Upper", "Var",
}  # fmt: skip
ALLOWED_FUNCTIONS = {"try_strptime", "make_time", "lpad", "rpad", "strip_accents"}


class ExpressionError(ValueError):
    pass


def parse(text: str) -> exp.Expression:
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ExpressionError(f"not a valid expression: {exc.errors[0]['description']}") from None
    for node in tree.walk():
        kind = type(node).__name__
        if isinstance(node, exp.Anonymous):
            if node.name.lower() not in ALLOWED_FUNCTIONS:
                raise ExpressionError(f"function {node.name}() is not allowed in a mapping")
        elif kind not in ALLOWED_NODES:
            what = node.sql(dialect="duckdb")[:60]
            raise ExpressionError(f"{what!r} ({kind}) is not allowed in a mapping")
    return tree


def columns(tree: exp.Expression) -> list[str]:
    """The delivered columns an expression reads, in order of first use."""
    return list(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))


def render(tree: exp.Expression, column_sql: Callable[[str], str]) -> str:
    """DuckDB SQL for the expression, each delivered column read through `column_sql` and every
    cast made a try_cast: a value that does not parse gives NULL, which the mapping reports."""

    def read_column(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return sqlglot.parse_one(column_sql(node.name), read="duckdb")
        return node

    def try_cast(node: exp.Expression) -> exp.Expression:
        if type(node) is exp.Cast:
            return exp.TryCast(this=node.this, to=node.to)
        return node

    # Casts first: transform() does not descend into a node it has just replaced.
    return tree.copy().transform(try_cast).transform(read_column).sql(dialect="duckdb")
