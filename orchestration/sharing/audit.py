"""The access log: every request the service answers, as evidence (X-Road's idea).

Entries are appended, never updated. Each carries the hash of the one before it and its own
hash over both, SHA-256 of the entry's canonical JSON, so editing any entry, or deleting one
from the middle, breaks the chain at that point, and `citybase audit verify` names it. The
chain's head (the last sequence number and hash) is kept in its own row; the nightly report
prints it, so that cutting entries off the end is detectable against a printed head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from orchestration import clock
from orchestration.sharing.state import access_log, audit_head

GENESIS = "0" * 64
HASHED = (
    "seq",
    "at",
    "consumer",
    "method",
    "action",
    "dataset",
    "fields",
    "query",
    "rows",
    "status",
)


@dataclass(frozen=True)
class Access:
    """One answered request, as it is logged."""

    consumer: str | None
    method: str
    action: str
    status: int
    dataset: str | None = None
    fields: list[str] | None = None
    query: str | None = None
    rows: int | None = None


def entry_hash(prev_hash: str, entry: dict) -> str:
    body = {name: entry[name] for name in HASHED}
    body["at"] = body["at"].isoformat() if isinstance(body["at"], dt.datetime) else body["at"]
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}{canonical}".encode()).hexdigest()


def _head(db: Connection) -> tuple[int, str]:
    """Takes the head's lock (an update first) and returns it: appends never interleave."""
    if not db.execute(update(audit_head).where(audit_head.c.id == 1).values(id=1)).rowcount:
        db.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS))
    row = db.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    return row.seq, row.hash


def record(engine: Engine, access: Access) -> int:
    """Appends one entry; returns its sequence number."""
    with engine.begin() as db:
        seq, prev = _head(db)
        entry = {
            "seq": seq + 1,
            "at": clock.now(),
            "consumer": access.consumer,
            "method": access.method,
            "action": access.action[:200],
            "dataset": access.dataset,
            "fields": access.fields,
            "query": access.query,
            "rows": access.rows,
            "status": access.status,
        }
        digest = entry_hash(prev, entry)
        db.execute(access_log.insert().values(**entry, prev_hash=prev, hash=digest))
        db.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq + 1, hash=digest))
    return seq + 1


@dataclass(frozen=True)
class Verdict:
    entries: int
    head: str
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(engine: Engine) -> Verdict:
    """Recomputes the chain from the first entry: a changed entry, a gap in the sequence (a
    deleted entry), a broken link, or a head that disagrees with the last entry is a problem."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    with engine.connect() as db:
        for row in db.execute(select(access_log).order_by(access_log.c.seq)):
            entry = row._asdict()
            if entry["seq"] != expected_seq:
                problems.append(
                    f"entries {expected_seq}–{entry['seq'] - 1} are missing (deleted)"
                    if entry["seq"] > expected_seq
                    else f"entry {entry['seq']} appears twice"
                )
            if entry["prev_hash"] != prev:
                problems.append(f"entry {entry['seq']}: its link to the entry before is broken")
            if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
                problems.append(
                    f"entry {entry['seq']}: its content was changed after it was logged"
                )
            expected_seq, prev = entry["seq"] + 1, entry["hash"]
        head = db.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        problems.append(
            f"the log ends at entry {expected_seq - 1} but its head says {head.seq}: "
            "entries were cut off the end"
        )
    return Verdict(expected_seq - 1, prev, problems)


def requests_today(engine: Engine, consumer: str) -> int:
    """How many requests the consumer made today (city time): what its daily quota counts."""
    start = dt.datetime.combine(clock.today(), dt.time())
    with engine.connect() as db:
        return db.execute(
            select(func.count())
            .select_from(access_log)
            .where(access_log.c.consumer == consumer, access_log.c.at >= start)
        ).scalar_one()


def accesses(engine: Engine, datasets: list[str], day: dt.date) -> list[dict]:
    """Who read these datasets on a day (city time): consumer, dataset, requests, rows."""
    since = dt.datetime.combine(day, dt.time())
    with engine.connect() as db:
        rows = db.execute(
            select(
                func.coalesce(access_log.c.consumer, "（匿名 anonymous）").label("consumer"),
                access_log.c.dataset,
                func.count().label("requests"),
                func.coalesce(func.sum(access_log.c.rows), 0).label("rows"),
            )
            .where(
                access_log.c.dataset.in_(datasets),
                access_log.c.at >= since,
                access_log.c.at < since + dt.timedelta(days=1),
                access_log.c.status < 400,
            )
            .group_by("consumer", access_log.c.dataset)
            .order_by(access_log.c.dataset, "consumer")
        )
        return [row._asdict() for row in rows]


def head(engine: Engine) -> tuple[int, str]:
    """The chain's head now: (entries, hash). The report prints it, off the service's machine."""
    with engine.connect() as db:
        row = db.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)
