"""File drops: a path (relative to CITYBASE_HOME or absolute) where a bureau puts each delivery."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from orchestration.contracts.model import Contract
from orchestration.landing.errors import DeliveryError, DeliveryMissing
from orchestration.settings import data_roots


def confined(contract: Contract, location: str, home: Path) -> Path:
    """The delivery's path, which must lie inside CITYBASE_HOME or a configured data root
    (judged on the path as written, so that a root may itself be a link)."""
    path = Path(os.path.normpath(home / location))
    roots = [Path(os.path.normpath(root)) for root in data_roots(home)]
    if not any(path.is_relative_to(root) for root in roots):
        raise DeliveryError(
            location,
            f"contract {contract.key}: field 'location' points outside CITYBASE_HOME and the "
            "data roots; move the drop inside one, or add its folder to CITYBASE_DATA_ROOTS",
        )
    return path


def locate(contract: Contract, day: dt.date, home: Path) -> Path:
    path = confined(contract, contract.resolve_location(day, str(home)), home)
    if not path.is_file():
        raise DeliveryMissing(
            str(path),
            f"no delivery of {contract.bureau}/{contract.dataset} for "
            f"{day} (due by {contract.expected_delivery:%H:%M} the "
            "next day)",
        )
    return path


FILE_FORMATS = {"csv", "jsonl", "parquet", "xlsx"}


def dated_deliveries(contract: Contract, home: Path) -> dict[dt.date, Path]:
    """Every delivery present at a daily file drop, by the day in its name ({date})."""
    if contract.format not in FILE_FORMATS or "{date}" not in contract.location:
        return {}
    pattern = Path(contract.resolve_location(None, str(home)))
    pattern = pattern if pattern.is_absolute() else home / pattern
    text = str(pattern)
    name = re.compile(re.escape(text).replace(re.escape("{date}"), r"(\d{4}-\d{2}-\d{2})") + "$")
    prefix = text.split("{date}")[0]
    folder = Path(prefix) if prefix.endswith("/") else Path(prefix).parent
    found = {}
    for candidate in folder.glob("**/*"):
        match = name.match(str(candidate))
        if match and candidate.is_file():
            found[dt.date.fromisoformat(match[1])] = candidate
    return found
