"""Source contracts: one YAML file per dataset describes where it comes from and what it holds.

Onboarding a feed is adding a contract to a folder named in CITYBASE_CONTRACTS; no code changes.
"""

from orchestration.contracts.loader import ContractError, load_contracts
from orchestration.contracts.model import Column, Contract

__all__ = ["Column", "Contract", "ContractError", "load_contracts"]
