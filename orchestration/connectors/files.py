"""File drops: a path (relative to CITYBASE_HOME or absolute) where a bureau puts each delivery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.contracts.model import Contract
from orchestration.landing.errors import DeliveryMissing


def locate(contract: Contract, day: dt.date, home: Path) -> Path:
    path = Path(contract.resolve_location(day, str(home)))
    path = path if path.is_absolute() else home / path
    if not path.is_file():
        raise DeliveryMissing(
            str(path),
            f"no delivery of {contract.bureau}/{contract.dataset} for "
            f"{day} (due by {contract.expected_delivery:%H:%M} the "
            "next day)",
        )
    return path
