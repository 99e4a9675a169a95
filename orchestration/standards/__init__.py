"""Data standards (数据标准): what the warehouse knows of each entity, whoever delivers it.

Contracts map sources onto standards (contracts/mapping.py); staging models, dbt sources and
baseline checks are generated from them (generate.py).
"""

from orchestration.standards.loader import StandardError, load_standards, standard
from orchestration.standards.model import Standard, StandardColumn

__all__ = ["Standard", "StandardColumn", "StandardError", "load_standards", "standard"]
