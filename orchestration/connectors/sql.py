"""A relational database by SQLAlchemy URL: SQLite in the demo, PostgreSQL and others in production.

A day's extract is the table's rows whose date column falls on that day (or the whole table for a
reference table), kept in landing as Parquet so that a re-run reads exactly what was extracted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from orchestration.contracts.model import Contract
from orchestration.landing.errors import DeliveryError, SourceUnavailable


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and the manifest."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def extract_to_parquet(contract: Contract, day: dt.date, home: Path, target: Path) -> str:
    options = contract.sql
    assert options is not None
    url = contract.resolve_location(day, str(home))
    query = f"select * from {options.table}"
    params: dict[str, str] = {}
    if options.date_column:
        query += f" where {options.date_column} >= :start and {options.date_column} < :end"
        params = {"start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat()}
    query += f" order by {options.order_by}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            frame = pd.read_sql_query(sa.text(query), connection, params=params)
    except sa.exc.OperationalError as exc:  # down, refusing connections, unreachable
        raise SourceUnavailable(
            safe_url(url), f"cannot reach the database: {str(exc.orig or exc).splitlines()[0]}"
        ) from None
    except sa.exc.SQLAlchemyError as exc:
        raise DeliveryError(
            safe_url(url), f"cannot read {options.table}: {str(exc.orig or exc).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype).startswith("datetime"):
            frame[column] = frame[column].astype("string")
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target)
    return safe_url(url)
