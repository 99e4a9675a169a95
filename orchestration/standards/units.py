"""Unit conversion for delivered values: a contract says the unit a column arrives in, the
standard the unit it is held in, and units.yaml how the two relate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

UNITS_FILE = Path(__file__).with_name("units.yaml")


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    factor: float
    offset: float = 0.0


class UnitError(ValueError):
    pass


@cache
def units() -> dict[str, Unit]:
    table = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))
    return {
        name: Unit(name, dimension, float(spec["factor"]), float(spec.get("offset", 0)))
        for dimension, members in table.items()
        for name, spec in members.items()
    }


def unit(name: str) -> Unit:
    try:
        return units()[name]
    except KeyError:
        raise UnitError(f"unknown unit {name!r}; known units are listed in {UNITS_FILE}") from None


def conversion_sql(expression: str, delivered: str, held: str) -> str:
    """SQL converting a DOUBLE expression from the delivered unit to the held one."""
    source, target = unit(delivered), unit(held)
    if source.dimension != target.dimension:
        raise UnitError(
            f"{delivered!r} ({source.dimension}) cannot be converted to {held!r} "
            f"({target.dimension})"
        )
    if source == target or (source.factor, source.offset) == (target.factor, target.offset):
        return expression
    base = f"({expression} * {source.factor!r} + {source.offset!r})"
    return f"(({base} - {target.offset!r}) / {target.factor!r})"
