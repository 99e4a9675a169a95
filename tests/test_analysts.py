"""What analysts and BI tools meet: the analyst snapshot through SQLAlchemy (duckdb-engine, the
dialect BI tools use), a saved query that names the catalog surviving a night's swap, BIGINT
counts and the dbt docs as comments. On a copy of the two nights' warehouse, since this test
makes snapshots of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from orchestration.snapshot import analyst_path, write_snapshot
from tests.conftest import NIGHT_1, NIGHT_2, TwoNights

pytestmark = pytest.mark.slow
SAVED_QUERY = text(
    "select district_code, sum(resident_population) as residents "
    "from warehouse.marts.dim_division where division_level = 'community' group by 1 order by 1"
)


def _snapshot(home: Path, night) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        write_snapshot(con, home, night)


def test_a_bi_connection_keeps_its_saved_query_across_a_nights_swap(
    two_nights: TwoNights, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(two_nights.home.warehouse, home / "warehouse.duckdb")
    _snapshot(home, NIGHT_1)
    bi = create_engine(
        f"duckdb:///{analyst_path(home)}", connect_args={"read_only": True}, poolclass=NullPool
    )
    with bi.connect() as db:
        catalog = db.execute(text("select current_database()")).scalar_one()
        before = db.execute(SAVED_QUERY).all()
        types = dict(
            db.execute(
                text(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' and table_name = 'dim_division'"
                )
            ).all()
        )
        tables = inspect(db).get_table_names(schema="marts")
        comments = db.execute(
            text(
                "select count(*), count(comment) from duckdb_columns() "
                "where schema_name = 'marts' and table_name = 'dim_division'"
            )
        ).one()
        table_comment = db.execute(
            text("select comment from duckdb_tables() where table_name = 'dim_division'")
        ).scalar_one()
    assert catalog == "warehouse"
    assert before and all(residents > 0 for _, residents in before)
    assert types["resident_population"] == "BIGINT" and "HUGEINT" not in types.values()
    assert {"dim_division", "fct_transit_od_daily"} <= set(tables)
    assert comments[0] == comments[1] > 5 and table_comment  # the YAML docs, on every column

    _snapshot(home, NIGHT_2)  # the next night swaps the file under the same path
    with bi.connect() as db:
        assert db.execute(text("select current_database()")).scalar_one() == catalog
        assert db.execute(SAVED_QUERY).all() == before  # the same warehouse, the same answer
        built_for = db.execute(text("select built_for from main._build")).scalar_one()
    assert built_for == NIGHT_2
    assert len(list((home / "analyst" / "builds").iterdir())) == 2
