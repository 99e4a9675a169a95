"""The register of bureaus (委办局) and other data providers (a district, a county 县级节点):
the built-in ones from the seed dbt_project/seeds/bureaus.csv, and any a contract introduces
with its names (`bureau_name: {zh: …, en: …}`), so a new provider needs no code. The contract
loader refuses a bureau that is in neither."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchestration.contracts.model import Contract
from orchestration.settings import bureau_names


def bureau_register(contracts: Iterable[Contract]) -> dict[str, dict[str, str]]:
    """Bureau code -> {"zh": …, "en": …}: the built-in bureaus, then the contracts' own."""
    register = dict(bureau_names())
    for contract in contracts:
        if contract.bureau not in register and contract.bureau_name is not None:
            names = contract.bureau_name
            register[contract.bureau] = {"zh": names.zh, "en": names.en}
    return register


@dataclass(frozen=True)
class Providers:
    """Who provides the data, as publication names them: each bureau's names (the register)
    and the contact its contracts give. Built once from the contracts by whoever loads them."""

    names: dict[str, dict[str, str]]
    contacts: dict[str, str]


def providers(contracts: Iterable[Contract]) -> Providers:
    contracts = list(contracts)
    return Providers(bureau_register(contracts), {c.bureau: c.contact for c in contracts})


def bureaus_delivering(contracts: Iterable[Contract]) -> list[str]:
    """The bureaus with at least one contract, in the register's order."""
    contracts = list(contracts)
    delivering = {c.bureau for c in contracts}
    return [b for b in bureau_register(contracts) if b in delivering]
