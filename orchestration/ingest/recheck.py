"""Second chances: rows of a fact quarantined only because the code or station they name was
not in its register yet are checked again when the register that names it arrives, from the
delivery kept in landing (no re-delivery needed). Rows quarantined for anything else stay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb

from orchestration.contracts.model import Contract
from orchestration.ingest.delivery import mirror_to_lake, reload
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.quality.sources import run_source_checks
from orchestration.settings import Paths
from orchestration.standards import standard


@dataclass(frozen=True)
class Rechecked:
    source: str  # the fact's contract key
    day: dt.date
    held: int  # rows quarantined for an unknown reference before
    restored: int  # of those, rows that now pass every rule


def _reference_rules(fact: Contract, reference: Contract) -> set[str]:
    """The quarantine rules of `fact` that check a column against `reference`'s standard."""
    if "gtfs" in (fact.format, reference.format):
        return set()
    target = standard(reference.standard_id).id
    return {
        f"gx:{c.name}_exists"
        for c in standard(fact.standard_id).columns
        if c.references and c.references.rpartition(".")[0] == target
    }


def _held_days(con: duckdb.DuckDBPyConnection, fact: Contract, rules: set[str]) -> list[tuple]:
    """(day, rows) of the fact whose quarantined rows broke reference rules and nothing else."""
    return con.execute(
        f"""select partition_date, count(*) from {RAW_SCHEMA}._quarantine
            where bureau = ? and dataset = ?
              and list_has_all(?, string_split(rule, ';'))
            group by partition_date order by partition_date""",
        [fact.bureau, fact.dataset, sorted(rules)],
    ).fetchall()


def recheck_after_reference(
    con: duckdb.DuckDBPyConnection,
    reference: Contract,
    contracts: Iterable[Contract],
    paths: Paths,
    asset_of: Callable[[Contract], dict[str, str]],
) -> list[Rechecked]:
    """Reloads and re-checks every day of every fact that holds rows quarantined only for
    references to `reference`'s standard. `asset_of` gives a contract's raw tables' asset keys
    (the check results are recorded against them)."""
    done = []
    for fact in contracts:
        rules = _reference_rules(fact, reference)
        if not rules:
            continue
        for day, held in _held_days(con, fact, rules):
            reload(con, fact, day, paths)
            run_source_checks(con, fact, day, asset_of(fact))
            mirror_to_lake(con, fact, day, paths)
            still = dict(_held_days(con, fact, rules)).get(day, 0)
            done.append(Rechecked(fact.key, day, held, held - still))
    return done
