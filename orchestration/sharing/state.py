"""The sharing service's own state: consumers, keys, applications, grants, the access log and
the privacy budgets, in one SQL database.

SQLite under CITYBASE_HOME by default (one file, nothing to run); any SQLAlchemy URL in
CITYBASE_SHARING_DB, PostgreSQL in production. Tables are created on first use. Times are city
time (Asia/Shanghai), naive, as everywhere in citybase.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.engine import Engine

DATABASE_VARIABLE = "CITYBASE_SHARING_DB"

# Table names start with sharing_: the state may share a PostgreSQL database with other
# systems (a bureau's own `applications` table, say) without a clash.
metadata = MetaData()

consumers = Table(
    "sharing_consumers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # platform: another service platform; bureau: a data-owning bureau (approves for its data)
    Column("kind", String(20), nullable=False),
    Column("bureau", String(100)),
    Column("contact", String(200)),
    Column("daily_quota", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

api_keys = Table(
    "sharing_api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("consumer_id", Integer, ForeignKey("sharing_consumers.id"), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),  # shown, to name a key
    Column("key_hash", String(64), nullable=False, unique=True),  # sha256 of the whole key
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

applications = Table(
    "sharing_applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("consumer_id", Integer, ForeignKey("sharing_consumers.id"), nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("bureau", String(100), nullable=False),  # the owner, who decides
    Column("fields", JSON),  # null: every field
    Column("purpose", Text, nullable=False),
    Column("grant_days", Integer, nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("due_on", Date, nullable=False),  # the last working day for an answer
    Column("status", String(20), nullable=False),  # pending | approved | denied
    Column("decided_at", DateTime),
    Column("decided_by", String(100)),
    Column("reason", Text),
    Column("escalated_at", DateTime),
)

grants = Table(
    "sharing_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("application_id", Integer, ForeignKey("sharing_applications.id"), nullable=False),
    Column("consumer_id", Integer, ForeignKey("sharing_consumers.id"), nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("fields", JSON),
    Column("granted_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("revoke_reason", Text),
)

access_log = Table(
    "sharing_access_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("consumer", String(100)),  # null: anonymous
    Column("method", String(10), nullable=False),
    Column("action", String(200), nullable=False),
    Column("dataset", String(100)),
    Column("fields", JSON),
    Column("query", Text),
    Column("rows", Integer),
    Column("status", Integer, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

Index("sharing_access_log_by_consumer", access_log.c.consumer, access_log.c.at)
Index("sharing_access_log_by_dataset", access_log.c.dataset, access_log.c.at)

# One row: the chain's head. Appending updates it first, which serialises appends in SQLite
# (the write lock) and PostgreSQL (the row lock) alike.
audit_head = Table(
    "sharing_audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Differential privacy: each consumer's budget (ε) and every spend of it. The budget row is
# locked while a question is charged, so that two questions at once cannot overspend it.
privacy_budgets = Table(
    "sharing_privacy_budgets",
    metadata,
    Column("consumer_id", Integer, ForeignKey("sharing_consumers.id"), primary_key=True),
    Column("epsilon", Float, nullable=False),
    Column("set_at", DateTime, nullable=False),
)

privacy_ledger = Table(
    "sharing_privacy_ledger",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("consumer_id", Integer, ForeignKey("sharing_consumers.id"), nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("delta", Float, nullable=False),
    Column("question", JSON, nullable=False),
    Column("at", DateTime, nullable=False),
)


def database_url(home: Path) -> str:
    configured = os.environ.get(DATABASE_VARIABLE, "").strip()
    if configured:
        return configured
    folder = home / "sharing"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'state.sqlite'}"


def existing_engine(home: Path) -> Engine | None:
    """The state database if the service has one (configured, or the default file exists):
    what the nightly report reads, without creating a database where no service runs."""
    configured = os.environ.get(DATABASE_VARIABLE, "").strip()
    if configured:
        return engine_for(configured)
    default = home / "sharing" / "state.sqlite"
    return engine_for(f"sqlite:///{default}") if default.is_file() else None


@cache
def engine_for(url: str) -> Engine:
    """The engine for a database URL, with the tables created. SQLite waits for a writer
    rather than failing at once (the access log is written by every request)."""
    options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    engine = create_engine(url, pool_pre_ping=True, **options)
    metadata.create_all(engine)
    return engine
