"""Source contracts: one YAML file per source says where it comes from, in which format, and how
its columns map onto a data standard (mapping.py turns that into the load's SQL).

Onboarding a feed is adding a contract to a folder named in CITYBASE_CONTRACTS; no code changes.
"""

from orchestration.contracts.loader import ContractError, load_contracts
from orchestration.contracts.model import Contract

__all__ = ["Contract", "ContractError", "load_contracts"]
