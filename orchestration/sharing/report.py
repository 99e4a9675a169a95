"""The sharing part of a bureau's nightly report: who read its datasets (or asked its private
ones) through `citybase serve` that day, its applications waiting for an answer (overdue ones
first, and escalated), and the access log's head. The report asset hands it to the reports,
which know nothing of the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration.publish.datasets import open_datasets
from orchestration.publish.private import private_datasets
from orchestration.settings import Paths
from orchestration.sharing import audit
from orchestration.sharing.grants import escalate, list_applications
from orchestration.sharing.state import existing_engine


def sharing_section(paths: Paths, bureau: str, day: dt.date) -> dict[str, Any] | None:
    """None where no sharing service keeps state for this home."""
    engine = existing_engine(paths.home)
    if engine is None:
        return None
    datasets = [d.id for d in open_datasets() if d.bureau == bureau and d.openness != "not_open"]
    datasets += [d.id for d in private_datasets() if d.bureau == bureau]  # asked, not read
    escalate(engine, bureau=bureau)  # each night, overdue applications go to the webhook once
    pending = [a for a in list_applications(engine, bureau=bureau) if a["status"] == "pending"]
    entries, head = audit.head(engine)
    return {
        "accesses": audit.accesses(engine, datasets, day),
        "pending": sorted(pending, key=lambda a: (not a["overdue"], a["due_on"])),
        "log_entries": entries,
        "log_head": head,
    }
