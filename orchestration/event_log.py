"""Dagster's SQLite event log, keeping its database engines instead of making one per event.

Dagster's own SqliteEventLogStorage creates a SQLAlchemy engine and opens a new SQLite
connection for every event it stores (and again for the cross-run index when the event is an
asset or check event). A night stores ~2,300 events, and a profile of one put 17 s of the night
in those connections alone. This subclass changes only that: one engine per database file, kept
for the life of the process (the last few files used), with SQLAlchemy's connection pool. The
schema, the files, the locking (WAL mode, Dagster's lock per process) and everything else are
Dagster's, so the UI, the daemon and `dagster` commands read the same history. Its connections
commit with `synchronous=NORMAL`, SQLite's setting for WAL mode: no fsync per event, still no
corruption on a crash (the last events before a power cut may be lost; the run is then reaped).

PostgreSQL (CITYBASE_DAGSTER_POSTGRES_URL) replaces all of this in production.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

ENGINES_KEPT = 8  # the index and the runs in flight; older run files are closed


def _commit_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one pooled engine per shard (run file or index)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _commit_without_fsync)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before every asset check event (and inside the index's transactions, so
        no lock here) whether the index has a table, through a new engine each time: 2 s of a
        small night. A table once there stays there (migrations add; `wipe` starts over)."""
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the files are about to be deleted
        self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
