"""Finds and validates contract files; an error names the file and the field.

Folders are read in order (the built-in contracts, then each folder of CITYBASE_CONTRACTS), so
an operator's folder can take over a built-in source explicitly: a contract with `replaces: true`
re-points or redefines the source of the same bureau and dataset, and a file holding only
`bureau`, `dataset` and `disabled: true` (and an optional `reason`) switches it off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from orchestration.contracts.mapping import MappingError, check_binds, plan
from orchestration.contracts.model import Contract
from orchestration.errors import CitybaseError, field_problems
from orchestration.settings import bureau_names, contract_dirs
from orchestration.standards import StandardError

DISABLING_FIELDS = {"bureau", "dataset", "disabled", "reason"}


class ContractError(CitybaseError, ValueError):
    """A contract file that cannot be used, with the file and field in the message."""


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{path}: a contract is a mapping of fields, got {type(data).__name__}")
    return data


# Binding a contract's SQL costs ~0.1 s, and a night loads the contracts in several steps:
# a file is validated once per process for as long as its content stays the same.
_validated_files: dict[tuple[str, str], Contract] = {}


def _validated(path: Path, data: dict) -> Contract:
    key = (str(path), json.dumps(data, sort_keys=True, default=str))
    if key not in _validated_files:
        _validated_files[key] = _validate(path, data)
    return _validated_files[key]


def _validate(path: Path, data: dict) -> Contract:
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"{path}: {field_problems(exc.errors())}") from None
    if contract.format != "gtfs":
        try:
            check_binds(plan(contract))
        except (MappingError, StandardError) as exc:
            raise ContractError(f"{path}: {exc}") from None
    return contract


def _disabling(path: Path, data: dict) -> tuple[str, str] | None:
    """(bureau, dataset) of a file that switches a source off, else None."""
    if data.get("disabled") is not True:
        return None
    extra = sorted(set(data) - DISABLING_FIELDS)
    missing = sorted({"bureau", "dataset"} - set(data))
    if extra or missing:
        raise ContractError(
            f"{path}: a file that disables a source holds only bureau, dataset, disabled and "
            f"reason (extra: {extra}, missing: {missing})"
        )
    return str(data["bureau"]), str(data["dataset"])


def load_contracts(dirs: list[Path] | None = None) -> list[Contract]:
    """Every enabled contract in the given folders (default: built-in plus CITYBASE_CONTRACTS)."""
    found: dict[str, tuple[Path, Contract]] = {}
    disabled: dict[str, Path] = {}
    for folder in dirs or contract_dirs():
        if not folder.is_dir():
            raise ContractError(
                f"{folder}: contract folder does not exist (check CITYBASE_CONTRACTS)"
            )
        for path in sorted(folder.rglob("*.yaml")):
            data = _read(path)
            switched_off = _disabling(path, data)
            if switched_off:
                disabled["__".join(switched_off)] = path
                continue
            contract = _validated(path, data)
            earlier = found.get(contract.key)
            if earlier and not contract.replaces:
                raise ContractError(
                    f"{path}: dataset '{contract.dataset}' of bureau '{contract.bureau}' is "
                    f"already defined in {earlier[0]}; set 'replaces: true' to take it over, "
                    "or disable it with a file holding bureau, dataset and 'disabled: true'"
                )
            if contract.replaces and not earlier:
                raise ContractError(
                    f"{path}: field 'replaces': no earlier contract of dataset "
                    f"'{contract.dataset}' of bureau '{contract.bureau}' to replace"
                )
            found[contract.key] = (path, contract)
    unknown = sorted(set(disabled) - set(found))
    if unknown:
        raise ContractError(
            f"{disabled[unknown[0]]}: disables {unknown[0]}, which no contract defines"
        )
    enabled = {key: pc for key, pc in found.items() if key not in disabled}
    _check_register(enabled.values())
    return [contract for _, contract in enabled.values()]


def _check_register(found: Iterable[tuple[Path, Contract]]) -> None:
    """A bureau outside the built-in register must be named by one of its contracts."""
    named = set(bureau_names()) | {c.bureau for _, c in found if c.bureau_name}
    for path, contract in found:
        if contract.bureau not in named:
            raise ContractError(
                f"{path}: field 'bureau_name': bureau {contract.bureau!r} is not in the register "
                "(dbt_project/seeds/bureaus.csv); give its names in one of its contracts, e.g. "
                "`bureau_name: {zh: 某某县数据资源局, en: Moumou County Data Bureau}`"
            )


def check_folder(folder: Path) -> tuple[list[Contract], list[str]]:
    """Every problem of a folder of contracts, as the nightly load would meet them with the
    built-in contracts before it (so `replaces` and `disabled` are checked too)."""
    from orchestration.settings import BUILTIN_CONTRACTS_DIR

    if not folder.is_dir():
        return [], [f"{folder}: not a folder of contracts"]
    problems, contracts = [], []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            data = _read(path)
            if _disabling(path, data) is None:
                contracts.append(_validated(path, data))
        except ContractError as exc:
            problems.append(str(exc))
    if not problems:
        layered = [BUILTIN_CONTRACTS_DIR] if folder.resolve() != BUILTIN_CONTRACTS_DIR else []
        try:
            load_contracts([*layered, folder])
        except ContractError as exc:
            problems.append(str(exc))
    return contracts, problems
