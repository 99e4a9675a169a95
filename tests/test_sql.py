"""The SQL connector against real databases: the demo's SQLite file and a PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3

import pytest
import sqlalchemy as sa

from orchestration.contracts import load_contracts
from orchestration.ingest.delivery import extract
from orchestration.landing.errors import DeliveryError
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths

DAY = dt.date(2026, 9, 30)
CONTRACTS = {c.key: c for c in load_contracts([BUILTIN_CONTRACTS_DIR])}
POSTGRES_URL = os.environ.get("CITYBASE_TEST_POSTGRES_URL")


def test_a_day_of_applications_from_sqlite(demo_home: Paths, con) -> None:
    db = sqlite3.connect(demo_home.democity / "gov_services/gov_services.sqlite")
    expected = db.execute(
        "select count(*) from applications where submitted_at >= '2026-09-30' "
        "and submitted_at < '2026-10-01'"
    ).fetchone()[0]
    [result] = extract(con, CONTRACTS["gov_services__applications"], DAY, demo_home)
    assert result.rows_read == result.rows_loaded == expected > 0
    days = con.execute(
        "select distinct cast(submitted_at as date) from raw.gov_services__applications"
    ).fetchall()
    assert days == [(DAY,)]


def test_unreachable_database_names_it_without_the_password(home: Paths, con, monkeypatch) -> None:
    monkeypatch.setenv(
        "CITYBASE_GOV_SERVICES_DB_URL", "postgresql+psycopg2://app:s3cret@127.0.0.1:1/none"
    )
    with pytest.raises(DeliveryError) as error:
        extract(con, CONTRACTS["gov_services__service_items"], DAY, home)
    assert "127.0.0.1:1" in str(error.value) and "s3cret" not in str(error.value)


def copy_applications_to_postgresql(home: Paths, url: str):
    """The demo city's applications table in PostgreSQL with real timestamp types, as a
    production system would have it. Returns the rows as a frame."""
    import pandas as pd

    source = sqlite3.connect(home.democity / "gov_services/gov_services.sqlite")
    engine = sa.create_engine(url)
    frame = pd.read_sql("select * from applications", source)
    with engine.begin() as pg:
        pg.execute(sa.text("drop table if exists applications"))
    frame.astype({c: "string" for c in frame.columns if c != "id"}).to_sql(
        "applications", engine, index=False
    )
    with engine.begin() as pg:
        for column in ("submitted_at", "accepted_at", "completed_at"):
            pg.execute(
                sa.text(
                    f"alter table applications alter column {column} type timestamp "
                    f"using {column}::timestamp"
                )
            )
    engine.dispose()
    return frame


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="no PostgreSQL: set CITYBASE_TEST_POSTGRES_URL to "
    "a database URL (.ci/run installs and starts one) to run this test",
)
def test_applications_from_postgresql(demo_home: Paths, con, monkeypatch) -> None:
    frame = copy_applications_to_postgresql(demo_home, POSTGRES_URL)
    monkeypatch.setenv("CITYBASE_GOV_SERVICES_DB_URL", POSTGRES_URL)
    [result] = extract(con, CONTRACTS["gov_services__applications"], DAY, demo_home)
    expected = int((frame["submitted_at"].str[:10] == "2026-09-30").sum())
    assert result.rows_read == result.rows_loaded == expected > 0
