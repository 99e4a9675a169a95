"""The blocking checks every file passes before it is published.

Privacy: no resident ID number (checksum-valid 18-digit, or 15-digit), no mainland mobile
number, no pseudonym (64 hex digits, the form citybase gives them) in any cell, written with
or without spaces, hyphens or a +86 prefix, and no column named after
a contract's personal-data field. Small cells: no count below the dataset's threshold, and no
group with exactly one withheld cell. Both read the file itself, as a member of the public would.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contracts import load_contracts
from orchestration.privacy import ID15_PATTERN, ID18_PATTERN, PHONE_PATTERN, id_checksum_ok_sql
from orchestration.publish.datasets import Suppression
from orchestration.settings import contract_dirs
from orchestration.sql import literal, quote
from orchestration.standards import load_standards, standard

SAMPLE = 5
# (what, how it is written, where to look): identifiers in any written form, not only in
# unbroken digit runs (138-0013-8000, +86 138 0013 8000, a spaced or a 15-digit ID number).
IDENTIFIERS = [
    ("resident ID number", ID18_PATTERN, "value"),
    ("resident ID number", ID15_PATTERN, "value"),
    ("mobile number", PHONE_PATTERN, "value"),
    ("pseudonym", "[0-9a-f]{64}", "lower(value)"),
]


def _bounded(pattern: str) -> str:
    """The pattern as a whole token: not part of a longer run of letters or digits."""
    return f"(?:^|[^0-9A-Za-z])({pattern})(?:[^0-9A-Za-z]|$)"


@dataclass(frozen=True)
class ScanResult:
    passed: bool
    findings: int
    detail: list[str]  # what was found, masked


def _reader(path: Path) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet({literal(str(path))})"
    return f"read_csv({literal(str(path))}, all_varchar = true, header = true)"


@functools.lru_cache(maxsize=4)
def _personal_column_names(dirs: tuple[Path, ...]) -> frozenset[str]:
    names = {n for s in load_standards().values() for n in s.personal}
    for contract in load_contracts(list(dirs)):
        if contract.format != "gtfs":
            personal = standard(contract.standard_id).personal
            names |= {
                m.source for col, m in contract.columns.items() if col in personal and m.source
            }
    return frozenset(names)


def personal_column_names() -> frozenset[str]:
    """The columns a standard marks personal, under the standard's names and the names the
    contracts deliver them by; read once per set of contract folders (a publish scans every file
    of every dataset)."""
    return _personal_column_names(tuple(contract_dirs()))


def scan_for_personal_data(con: duckdb.DuckDBPyConnection, path: Path) -> ScanResult:
    """Every cell of the file searched for each identifier in the forms people write it."""
    reader = _reader(path)
    columns = [r[0] for r in con.execute(f"describe select * from {reader}").fetchall()]
    personal = personal_column_names()
    named = [c for c in columns if c in personal or any(c.startswith(p + "_") for p in personal)]
    # A decimal fraction is no identifier (a 24-hour mean written with 15 decimals looked like a
    # 15-digit ID number): digits after a number's decimal point are dropped before the search;
    # the integer part, where an identifier stored as a number would be, is still searched.
    cells = " union all ".join(
        f"select {literal(c)} as col, "
        f"regexp_replace({quote(c)}::varchar, '([0-9])[.][0-9]+', '\\1', 'g') as value "
        f"from {reader}"
        for c in columns
    )
    candidates = " union all ".join(
        f"select col, {literal(kind)} as kind, "
        f"unnest(regexp_extract_all({value}, {literal(_bounded(pattern))}, 1)) as written "
        "from cells"
        for kind, pattern, value in IDENTIFIERS
    )
    findings = con.execute(
        f"""with cells as materialized (
                select * from ({cells}) where value is not null
            ), candidates as (
                select col, kind, regexp_replace(written, '[^0-9A-Za-z]', '', 'g') as token
                from ({candidates})
            )
            select distinct col, kind from candidates
            where kind != 'resident ID number' or length(token) = 15
               or {id_checksum_ok_sql("token")}"""
    ).fetchall()
    hits = [f"{kind} in column {col}" for col, kind in findings if kind]
    detail = [f"personal-data column {c}" for c in named] + sorted(set(hits))[:SAMPLE]
    total = len(named) + len(hits)
    return ScanResult(total == 0, total, detail)


def scan_small_cells(con: duckdb.DuckDBPyConnection, path: Path, rule: Suppression) -> ScanResult:
    reader = _reader(path)
    column = quote(rule.column)
    groups = ", ".join(quote(c) for c in rule.group_by)
    small, lone = con.execute(
        f"""with cells as (
                select try_cast({column} as double) as value,
                       count(*) filter (where {column} is null) over (partition by {groups})
                           as withheld,
                       count(*) over (partition by {groups}) as cells
                from {reader}
            )
            select count(*) filter (where value < {rule.min_count}),
                   count(*) filter (where withheld = 1 and cells > 1 and value is null)
            from cells"""
    ).fetchone()
    detail = []
    if small:
        detail.append(f"{small} published counts of {rule.column} are below {rule.min_count}")
    if lone:
        detail.append(f"{lone} groups have one withheld cell their total would reveal")
    return ScanResult(small + lone == 0, small + lone, detail)
