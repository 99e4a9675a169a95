"""Consumers (platforms and bureaus that call the service) and their API keys.

A key is shown once, when it is issued: `cb_<prefix>_<secret>`. The service keeps the prefix
(to name the key in lists and logs) and the SHA-256 of the whole key: keys are 32 random bytes,
so a plain hash cannot be searched backwards, and a leaked database does not leak keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from orchestration import clock
from orchestration.settings import bureau_names
from orchestration.sharing.errors import Conflict, NotFound, SharingError, Unauthenticated
from orchestration.sharing.state import api_keys, consumers

KINDS = ("platform", "bureau")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{1,62}")
KEY_PATTERN = re.compile(r"cb_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
DEFAULT_QUOTA = 10_000  # requests per consumer and day
DEFAULT_KEY_DAYS = 365


@dataclass(frozen=True)
class Consumer:
    id: int
    name: str
    kind: str
    bureau: str | None
    daily_quota: int

    @property
    def is_bureau(self) -> bool:
        return self.kind == "bureau"


def _consumer(row) -> Consumer:
    return Consumer(row.id, row.name, row.kind, row.bureau, row.daily_quota)


def register(
    engine: Engine,
    name: str,
    kind: str,
    bureau: str | None = None,
    contact: str | None = None,
    daily_quota: int = DEFAULT_QUOTA,
) -> Consumer:
    """A platform, or a bureau that owns data (and so decides on applications for it)."""
    if not NAME_PATTERN.fullmatch(name):
        raise SharingError(
            f"consumer name {name!r}: use 2-63 lowercase letters, digits, '_', '.' or '-'"
        )
    if kind not in KINDS:
        raise SharingError(f"consumer kind {kind!r}: use one of {', '.join(KINDS)}")
    if kind == "bureau" and bureau not in bureau_names():
        known = ", ".join(sorted(bureau_names()))
        raise SharingError(f"a bureau consumer names its bureau (--bureau), one of: {known}")
    if daily_quota < 1:
        raise SharingError(f"daily quota {daily_quota}: give at least 1 request a day")
    try:
        with engine.begin() as db:
            new_id = db.execute(
                consumers.insert().values(
                    name=name,
                    kind=kind,
                    bureau=bureau if kind == "bureau" else None,
                    contact=contact,
                    daily_quota=daily_quota,
                    created_at=clock.now(),
                )
            ).inserted_primary_key[0]
    except IntegrityError:
        raise Conflict(f"a consumer named {name!r} is already registered") from None
    return _consumer_by_id(engine, new_id)


def consumer(engine: Engine, name: str) -> Consumer:
    with engine.connect() as db:
        row = db.execute(select(consumers).where(consumers.c.name == name)).first()
    if row is None:
        raise NotFound(f"no consumer named {name!r}; `citybase consumers list` shows them")
    return _consumer(row)


def _consumer_by_id(engine: Engine, consumer_id: int) -> Consumer:
    with engine.connect() as db:
        return _consumer(db.execute(select(consumers).where(consumers.c.id == consumer_id)).one())


def all_consumers(engine: Engine) -> list[Consumer]:
    with engine.connect() as db:
        return [_consumer(r) for r in db.execute(select(consumers).order_by(consumers.c.name))]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(engine: Engine, name: str, days: int = DEFAULT_KEY_DAYS) -> tuple[str, dt.datetime]:
    """A new key for the consumer, valid for `days`: (the key, shown only now; its expiry)."""
    if days < 1:
        raise SharingError(f"a key is valid for at least 1 day, not {days}")
    owner = consumer(engine, name)
    prefix = secrets.token_hex(4)
    key = f"cb_{prefix}_{secrets.token_urlsafe(32)}"
    now = clock.now()
    expires = now + dt.timedelta(days=days)
    with engine.begin() as db:
        db.execute(
            api_keys.insert().values(
                consumer_id=owner.id,
                prefix=prefix,
                key_hash=_digest(key),
                created_at=now,
                expires_at=expires,
            )
        )
    return key, expires


def revoke_key(engine: Engine, prefix: str) -> None:
    with engine.begin() as db:
        done = db.execute(
            update(api_keys)
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        ).rowcount
    if not done:
        raise NotFound(f"no live key with prefix {prefix!r}")


def authenticate(engine: Engine, key: str) -> Consumer:
    """The consumer a presented key belongs to; refused when it is malformed, unknown, revoked
    or expired (the message never repeats the key)."""
    if not KEY_PATTERN.fullmatch(key):
        raise Unauthenticated("the API key is malformed: keys look like cb_<8 hex>_<43 chars>")
    with engine.connect() as db:
        row = db.execute(
            select(api_keys.c.revoked_at, api_keys.c.expires_at, consumers)
            .join(consumers, consumers.c.id == api_keys.c.consumer_id)
            .where(api_keys.c.key_hash == _digest(key))
        ).first()
    if row is None:
        raise Unauthenticated("unknown API key; ask the platform's operator for one")
    if row.revoked_at is not None:
        raise Unauthenticated("this API key was revoked; ask for a new one")
    if row.expires_at <= clock.now():
        raise Unauthenticated(f"this API key expired at {row.expires_at:%Y-%m-%d %H:%M}")
    return _consumer(row)
