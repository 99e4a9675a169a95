"""Comparing one relation as two engines built it, row by row (tests/test_spark.py): a
relation is anything a `from` clause takes (a table, a view, `read_parquet(...)`)."""

from __future__ import annotations

import duckdb

from orchestration.sql import quote

RELATIVE_TOLERANCE = 1e-9
APPROXIMATE = ("DOUBLE", "FLOAT", "REAL")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {
        name: kind
        for name, kind, *_ in con.execute(f"describe select * from {relation}").fetchall()
    }


def _same(column: str, kind: str) -> str:
    left, right = f"a.{quote(column)}", f"b.{quote(column)}"
    if kind.startswith(APPROXIMATE) or kind.startswith("DECIMAL"):
        return (
            f"({left} is not distinct from {right} or abs({left} - {right}) <= "
            f"{RELATIVE_TOLERANCE} * greatest(abs({left}), abs({right})))"
        )
    return f"{left} is not distinct from {right}"


def differences(con: duckdb.DuckDBPyConnection, expected: str, actual: str) -> list[str]:
    """What differs between two relations: their columns, their row counts, and how many rows
    differ once both are sorted the same way (codes and counts exactly, floating-point values
    within RELATIVE_TOLERANCE of each other). Empty when they are the same."""
    left, right = _columns(con, expected), _columns(con, actual)
    if list(left) != list(right):
        return [f"columns {list(left)} != {list(right)}"]
    counts = [con.execute(f"select count(*) from {r}").fetchone()[0] for r in (expected, actual)]
    if counts[0] != counts[1]:
        return [f"{counts[0]} rows != {counts[1]} rows"]
    exact = [c for c, k in left.items() if not k.startswith((*APPROXIMATE, "DECIMAL"))]
    order = ", ".join(
        f"{quote(c)} nulls first" for c in exact + [c for c in left if c not in exact]
    )
    same = " and ".join(_same(c, left[c]) for c in left)
    unequal = con.execute(
        f"""with a as (select *, row_number() over (order by {order}) as _rank from {expected}),
                 b as (select *, row_number() over (order by {order}) as _rank from {actual})
            select count(*) from a full join b on a._rank = b._rank where not ({same})"""
    ).fetchone()[0]
    return [f"{unequal} of {counts[0]} rows differ"] if unequal else []
