"""Before a night starts: is there anything to build, and can each source be reached?

A night whose home is wrong (CITYBASE_HOME unset, a typo) finds no delivery anywhere, and its
network sources' steps would wait minutes on retries meant for a flaky network. This look,
which costs a file lookup per file source and one short connection attempt per network source,
stops such a night at once with the list of what is missing. A network source that is plainly
not there (its database file missing, its port refusing connections, its host unknown) is
named absent: the headless night tags its run with it, and that source's step fails at once
instead of waiting on those retries. A source that only does not answer in time may be a
flaky network, and keeps its retries.
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from orchestration.connectors.files import FILE_FORMATS, confined
from orchestration.contracts.model import Contract
from orchestration.errors import CitybaseError
from orchestration.landing.errors import DeliveryError

CONNECT_TIMEOUT_SECONDS = 2.0
ABSENT_SOURCES_TAG = "citybase/absent_sources"  # run tag: contract keys, comma-separated


class NothingToBuild(CitybaseError, RuntimeError):
    """The night would find no delivery and no reachable source."""


@dataclass(frozen=True)
class SourceLook:
    contract: Contract
    available: bool
    where: str
    absent: bool = False  # a network source that is plainly not there (not merely slow)


def _connect_to(host: str | None, port: int | None) -> tuple[bool, bool]:
    """(answers, plainly absent): refused, unknown host or no address is absent; a timeout
    is not, since a flaky network looks the same."""
    if not host or not port:
        return False, True
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True, False
    except (ConnectionRefusedError, socket.gaierror):
        return False, True
    except OSError:
        return False, False


def look(contract: Contract, day: dt.date, home: Path) -> SourceLook:
    """Whether the contract's source has something for the day (a file) or answers (a server)."""
    try:
        location = contract.resolve_location(day, str(home))
    except KeyError as exc:
        return SourceLook(contract, False, str(exc).strip("'\""))
    if contract.format in FILE_FORMATS or contract.format == "gtfs":
        try:
            path = confined(contract, location, home)
        except DeliveryError as exc:
            return SourceLook(contract, False, exc.problem)
        return SourceLook(contract, path.is_file(), str(path))
    if contract.format == "sql":
        from sqlalchemy.engine import make_url

        url = make_url(location)
        if url.drivername.startswith("sqlite"):
            found = Path(url.database or "").is_file()
            return SourceLook(contract, found, str(url.database), absent=not found)
        port = url.port or {"postgresql": 5432, "mysql": 3306}.get(url.get_backend_name())
        answers, absent = _connect_to(url.host, port)
        return SourceLook(contract, answers, url.render_as_string(hide_password=True), absent)
    parts = urlsplit(location)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    answers, absent = _connect_to(parts.hostname, port)
    return SourceLook(contract, answers, f"{parts.scheme}://{parts.netloc}", absent)


def check_night(contracts: list[Contract], day: dt.date, home: Path) -> list[SourceLook]:
    """Every source's look; raises NothingToBuild when not one of them has anything."""
    looks = [look(c, day, home) for c in contracts]
    if not any(s.available for s in looks):
        missing = "\n".join(f"  {s.contract.bureau}/{s.contract.dataset}: {s.where}" for s in looks)
        raise NothingToBuild(
            f"Nothing to build for {day} under {home}: no delivery was found and no source "
            f"answered:\n{missing}\nIs CITYBASE_HOME right? `make demo` builds the demo city; "
            "a real city's contracts name where each feed is delivered."
        )
    return looks


def absent_sources(tags: dict[str, str]) -> set[str]:
    """The contract keys a headless night found absent before it started (its run tag)."""
    return {key for key in tags.get(ABSENT_SOURCES_TAG, "").split(",") if key}
