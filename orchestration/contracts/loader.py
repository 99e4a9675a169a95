"""Finds and validates contract files; an error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from orchestration.contracts.model import Contract
from orchestration.errors import CitybaseError
from orchestration.settings import contract_dirs


class ContractError(CitybaseError, ValueError):
    """A contract file that cannot be used, with the file and field in the message."""


def load_contract(path: Path) -> Contract:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{path}: a contract is a mapping of fields, got {type(data).__name__}")
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc']) or '(contract)'}': {err['msg']}"
            for err in exc.errors()
        )
        raise ContractError(f"{path}: {problems}") from None


def load_contracts(dirs: list[Path] | None = None) -> list[Contract]:
    """Every contract in the given folders (default: built-in plus CITYBASE_CONTRACTS)."""
    seen: dict[str, Path] = {}
    contracts = []
    for folder in dirs or contract_dirs():
        if not folder.is_dir():
            raise ContractError(
                f"{folder}: contract folder does not exist (check CITYBASE_CONTRACTS)"
            )
        for path in sorted(folder.rglob("*.yaml")):
            contract = load_contract(path)
            if contract.key in seen:
                raise ContractError(
                    f"{path}: dataset '{contract.dataset}' of bureau "
                    f"'{contract.bureau}' is already defined in {seen[contract.key]}"
                )
            seen[contract.key] = path
            contracts.append(contract)
    return contracts
