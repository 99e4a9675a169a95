"""Finds and validates the data standards: one YAML file per entity under this package,
`<domain>/<entity>.yaml`. Standards belong to the repository (the city's data standards), so
every contract, wherever it lives, maps onto the same ones."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from orchestration.errors import CitybaseError, field_problems
from orchestration.standards.model import Standard, StandardColumn
from orchestration.standards.units import UnitError, unit

STANDARDS_DIR = Path(__file__).resolve().parent


class StandardError(CitybaseError, ValueError):
    """A standard that cannot be used, with the file and field in the message."""


def _load(path: Path) -> Standard:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        standard = Standard.model_validate(data)
    except ValidationError as exc:
        raise StandardError(f"{path}: {field_problems(exc.errors())}") from None
    expected = (path.parent.name, path.stem)
    if (standard.domain, standard.entity) != expected:
        raise StandardError(f"{path}: domain and entity must be {expected}, as the path says")
    for column in standard.columns:
        if column.unit:
            try:
                unit(column.unit)
            except UnitError as exc:
                raise StandardError(f"{path}: field 'columns.{column.name}.unit': {exc}") from None
    return standard


@cache
def load_standards() -> dict[str, Standard]:
    """Every standard, by id (domain.entity)."""
    found = [_load(p) for p in sorted(STANDARDS_DIR.glob("*/*.yaml"))]
    standards = {s.id: s for s in found}
    for standard in found:
        for column in standard.columns:
            if column.references:
                _check_reference(standards, standard, column)
    return standards


def _check_reference(standards: dict[str, Standard], standard: Standard, column: StandardColumn):
    target_id, _, target_column = column.references.rpartition(".")
    target = standards.get(target_id)
    if target is None or target_column not in {c.name for c in target.columns}:
        raise StandardError(
            f"{STANDARDS_DIR / standard.domain / standard.entity}.yaml: field "
            f"'columns.{column.name}.references': {column.references} is not a standard's column"
        )


def standard(standard_id: str) -> Standard:
    try:
        return load_standards()[standard_id]
    except KeyError:
        known = ", ".join(sorted(load_standards()))
        raise StandardError(
            f"no data standard {standard_id!r}; the standards are {known}"
        ) from None
