"""File drops: a path (relative to CITYBASE_HOME or absolute) where a bureau puts each delivery."""

from __future__ import annotations

import datetime as dt
import re
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
