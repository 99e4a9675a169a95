"""Applications for conditional data and the grants they lead to (有条件共享).

A consumer applies for one dataset, all its fields or some, with a purpose; the owner bureau
answers within a set number of working days (CITYBASE_SHARING_ANSWER_DAYS, default 10: the
State Council's interim measures on government information sharing give a provider 10 working
days to answer a conditional request). Approval makes a grant: that consumer, that dataset,
those fields, until an expiry; the bureau may revoke it. A pending application past its last
working day is overdue: `escalate` flags it once and posts it to the webhook.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from orchestration import clock
from orchestration.sharing.errors import Conflict, Forbidden, NotFound, SharingError
from orchestration.sharing.registry import Consumer
from orchestration.sharing.state import applications, consumers, grants
from orchestration.sharing.workdays import add_working_days

if TYPE_CHECKING:  # the exchange loads published data: not needed to file or decide
    from orchestration.sharing.published import Exchange

ANSWER_DAYS_VARIABLE = "CITYBASE_SHARING_ANSWER_DAYS"
WEBHOOK_VARIABLE = "CITYBASE_SHARING_WEBHOOK_URL"
DEFAULT_ANSWER_DAYS = 10
DEFAULT_GRANT_DAYS = 180
MAX_GRANT_DAYS = 3 * 365
log = logging.getLogger("citybase.sharing")


@dataclass(frozen=True)
class Requested:
    """What an application may ask for: a dataset the exchange offers on conditions."""

    dataset: str
    bureau: str
    fields: tuple[str, ...]  # every field the dataset has


def requested(exchange: Exchange, dataset_id: str) -> Requested:
    """What may be applied for: a conditional dataset the exchange serves, or a private one
    (to be asked with differential privacy), any of its fields."""
    private = exchange.private.get(dataset_id)
    if private is not None:
        return Requested(private.id, private.bureau, private.fields)
    served = exchange.offer().get(dataset_id)
    if served is None:
        raise NotFound(f"no dataset {dataset_id[:100]!r}; package_list names the served ones")
    if not served.conditional:
        raise SharingError(f"{served.id} is open to everyone (无条件开放): no application needed")
    return Requested(served.id, served.dataset.bureau, tuple(name for name, _ in served.fields))


def answer_days() -> int:
    text = os.environ.get(ANSWER_DAYS_VARIABLE, "").strip() or str(DEFAULT_ANSWER_DAYS)
    if not text.isdigit() or int(text) < 1:
        raise SharingError(f"{ANSWER_DAYS_VARIABLE}={text!r}: give a number of working days")
    return int(text)


def _fields(asked: list[str] | None, offered: Requested) -> list[str] | None:
    if not asked:
        return None
    unknown = sorted(set(asked) - set(offered.fields))
    if unknown:
        raise SharingError(
            f"{offered.dataset} has no field {', '.join(unknown)}; its fields are "
            f"{', '.join(offered.fields)}"
        )
    return sorted(set(asked))


def apply(
    engine: Engine,
    consumer: Consumer,
    offered: Requested,
    purpose: str,
    fields: list[str] | None = None,
    grant_days: int = DEFAULT_GRANT_DAYS,
) -> dict:
    """Files an application; it is due `answer_days()` working days after the day it is made."""
    purpose = purpose.strip()
    if len(purpose) < 10:
        raise SharingError("say what the data is for (the purpose, at least 10 characters)")
    if not 1 <= grant_days <= MAX_GRANT_DAYS:
        raise SharingError(f"a grant lasts 1 to {MAX_GRANT_DAYS} days, not {grant_days}")
    now = clock.now()
    with engine.begin() as db:
        new_id = db.execute(
            applications.insert().values(
                consumer_id=consumer.id,
                dataset=offered.dataset,
                bureau=offered.bureau,
                fields=_fields(fields, offered),
                purpose=purpose[:2000],
                grant_days=grant_days,
                submitted_at=now,
                due_on=add_working_days(now.date(), answer_days()),
                status="pending",
            )
        ).inserted_primary_key[0]
    return application(engine, new_id)


def _application_query():
    return select(applications, consumers.c.name.label("consumer")).join(
        consumers, consumers.c.id == applications.c.consumer_id
    )


def _as_dict(row, today: dt.date) -> dict:
    item = row._asdict()
    item["overdue"] = item["status"] == "pending" and today > item["due_on"]
    return item


def application(engine: Engine, application_id: int) -> dict:
    with engine.connect() as db:
        row = db.execute(_application_query().where(applications.c.id == application_id)).first()
    if row is None:
        raise NotFound(f"no application {application_id}")
    return _as_dict(row, clock.today())


def list_applications(
    engine: Engine, *, consumer: Consumer | None = None, bureau: str | None = None
) -> list[dict]:
    query = _application_query().order_by(applications.c.id)
    if consumer is not None:
        query = query.where(applications.c.consumer_id == consumer.id)
    if bureau is not None:
        query = query.where(applications.c.bureau == bureau)
    today = clock.today()
    with engine.connect() as db:
        return [_as_dict(row, today) for row in db.execute(query)]


def _pending(engine: Engine, application_id: int, bureau: str) -> dict:
    item = application(engine, application_id)
    if item["bureau"] != bureau:
        raise Forbidden(
            f"application {application_id} is for {item['bureau']}'s data, not {bureau}'s"
        )
    if item["status"] != "pending":
        raise Conflict(f"application {application_id} was already {item['status']}")
    return item


def approve(
    engine: Engine, application_id: int, bureau: str, reason: str = "", days: int | None = None
) -> dict:
    """The owner bureau approves: a grant for what was asked, for `days` (what was asked)."""
    item = _pending(engine, application_id, bureau)
    days = days or item["grant_days"]
    if not 1 <= days <= MAX_GRANT_DAYS:
        raise SharingError(f"a grant lasts 1 to {MAX_GRANT_DAYS} days, not {days}")
    now = clock.now()
    with engine.begin() as db:
        db.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(status="approved", decided_at=now, decided_by=bureau, reason=reason or None)
        )
        grant_id = db.execute(
            grants.insert().values(
                application_id=application_id,
                consumer_id=item["consumer_id"],
                dataset=item["dataset"],
                fields=item["fields"],
                granted_at=now,
                expires_at=now + dt.timedelta(days=days),
            )
        ).inserted_primary_key[0]
    return grant(engine, grant_id)


def deny(engine: Engine, application_id: int, bureau: str, reason: str) -> dict:
    """The owner bureau refuses, and must say why: the consumer reads the reason."""
    if len(reason.strip()) < 5:
        raise SharingError("a denial says why (the reason, at least 5 characters)")
    _pending(engine, application_id, bureau)
    with engine.begin() as db:
        db.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(
                status="denied", decided_at=clock.now(), decided_by=bureau, reason=reason.strip()
            )
        )
    return application(engine, application_id)


def grant(engine: Engine, grant_id: int) -> dict:
    with engine.connect() as db:
        row = db.execute(
            select(grants, consumers.c.name.label("consumer"))
            .join(consumers, consumers.c.id == grants.c.consumer_id)
            .where(grants.c.id == grant_id)
        ).first()
    if row is None:
        raise NotFound(f"no grant {grant_id}")
    return row._asdict()


def list_grants(engine: Engine, consumer: Consumer | None = None) -> list[dict]:
    query = (
        select(grants, consumers.c.name.label("consumer"))
        .join(consumers, consumers.c.id == grants.c.consumer_id)
        .order_by(grants.c.id)
    )
    if consumer is not None:
        query = query.where(grants.c.consumer_id == consumer.id)
    with engine.connect() as db:
        return [row._asdict() for row in db.execute(query)]


def revoke(engine: Engine, grant_id: int, bureau: str | None, reason: str) -> dict:
    """Ends a grant now. `bureau` is the owner (None: the operator, from the command line)."""
    item = grant(engine, grant_id)
    owner = application(engine, item["application_id"])["bureau"]
    if bureau is not None and owner != bureau:
        raise Forbidden(f"grant {grant_id} is for {owner}'s data, not {bureau}'s")
    if item["revoked_at"] is not None:
        raise Conflict(f"grant {grant_id} was already revoked")
    with engine.begin() as db:
        db.execute(
            update(grants)
            .where(grants.c.id == grant_id)
            .values(revoked_at=clock.now(), revoke_reason=reason.strip() or None)
        )
    return grant(engine, grant_id)


def granted_fields(engine: Engine, consumer: Consumer, dataset: str) -> list[str] | None:
    """The fields a live grant lets the consumer read (None: all of them); refused without one."""
    now = clock.now()
    with engine.connect() as db:
        rows = db.execute(
            select(grants.c.fields).where(
                grants.c.consumer_id == consumer.id,
                grants.c.dataset == dataset,
                grants.c.revoked_at.is_(None),
                grants.c.expires_at > now,
            )
        ).all()
    if not rows:
        raise Forbidden(
            f"{dataset} is conditional (有条件开放): apply for it with "
            "POST /api/sharing/applications, and read it once its bureau approves"
        )
    if any(row.fields is None for row in rows):
        return None
    return sorted({name for row in rows for name in row.fields})


def escalate(engine: Engine, today: dt.date | None = None, bureau: str | None = None) -> list[dict]:
    """Flags each pending application (of `bureau`, or all) past its last working day, once,
    and posts the newly overdue ones to CITYBASE_SHARING_WEBHOOK_URL when set. Returns every
    overdue application."""
    today = today or clock.today()
    overdue = [
        a
        for a in list_applications(engine, bureau=bureau)
        if a["status"] == "pending" and today > a["due_on"]
    ]
    new = [a for a in overdue if a["escalated_at"] is None]
    if new:
        now = clock.now()
        with engine.begin() as db:
            db.execute(
                update(applications)
                .where(applications.c.id.in_([a["id"] for a in new]))
                .values(escalated_at=now)
            )
        _notify(new, today)
    return [application(engine, a["id"]) | {"overdue": True} for a in overdue]


def _notify(overdue: list[dict], today: dt.date) -> None:
    lines = [
        f"申请 {a['id']}：{a['consumer']} 申请 {a['dataset']}（{a['bureau']}），"
        f"应于 {a['due_on']} 前答复，已逾期 / application {a['id']} overdue since {a['due_on']}"
        for a in overdue
    ]
    for line in lines:
        log.warning(line)
    url = os.environ.get(WEBHOOK_VARIABLE)
    if not url:
        return
    body = {
        "text": "\n".join(lines),
        "day": today.isoformat(),
        "applications": [
            {k: str(a[k]) for k in ("id", "consumer", "dataset", "bureau", "due_on")}
            for a in overdue
        ],
    }
    try:
        requests.post(url, json=body, timeout=10).raise_for_status()
    except requests.RequestException as exc:
        log.error(f"sharing webhook did not take the escalation: {type(exc).__name__}")
