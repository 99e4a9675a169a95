"""The same warehouse on Spark (docs/operations.md, "Scaling out"): the demo city's two nights,
the second with the environment bureau's readings corrupted, built again with
CITYBASE_ENGINE=spark, give the DuckDB nights' marts, checks and open data, row by row."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.publish.datasets import open_datasets
from orchestration.publish.releases import current
from orchestration.publish.run import destination
from orchestration.settings import PROJECT_ROOT, Paths
from orchestration.snapshot import analyst_path
from orchestration.sql import literal
from orchestration.warehouse import connect
from tests.conftest import NIGHT_1, NIGHT_2, TEST_KEY, TwoNights, make_pm25_negative
from tests.engines import differences

COMPARED_SCHEMAS = ("marts", "open_data", "reference")  # what analysts, publish and reports read
CHECK_OUTCOME = "run_date, asset, check_name, source, severity, passed, evaluated, failed"


def require_spark() -> None:
    """Skips where Spark cannot run (outside CI); under CI a missing piece is a failure."""
    missing = [
        what
        for what, present in (
            ("Java (apt install openjdk-17-jre-headless)", shutil.which("java")),
            ("pyspark (pip install -e '.[spark]')", importlib.util.find_spec("pyspark")),
        )
        if not present
    ]
    if missing:
        message = f"Spark cannot run here, missing: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def nightly_on_spark(home: Paths, night) -> subprocess.CompletedProcess:
    """One night through `citybase nightly` in its own process: the engine is read when the
    definitions are built."""
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "nightly", "--date", str(night)],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "CITYBASE_ENGINE": "spark",
            "CITYBASE_HOME": str(home.home),
            "DAGSTER_HOME": str(home.dagster_home),
            "CITYBASE_PSEUDONYM_KEY": TEST_KEY,
        },
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_comparison_sees_each_kind_of_difference(tmp_path: Path) -> None:
    """What tests/engines.differences must catch, and the one freedom it allows."""
    with connect(tmp_path / "compare.duckdb") as con:
        con.execute("create table a as select 'x' as code, 3 as n, 1e0 / 3 as share")
        same = {
            "rounding within 1e-9": "select 'x' as code, 3 as n, 1e0 / 3 * (1 + 1e-12) as share",
        }
        different = {
            "a code": "select 'y' as code, 3 as n, 1e0 / 3 as share",
            "a count": "select 'x' as code, 4 as n, 1e0 / 3 as share",
            "a double beyond 1e-9 relative": "select 'x' as code, 3 as n, 1e0 / 3 + 1e-6 as share",
            "a null": "select 'x' as code, null as n, 1e0 / 3 as share",
            "a row more": "from a union all from a",
            "the column order": "select n, code, share from a",
        }
        for name, sql in {**same, **different}.items():
            con.execute(f"create or replace view b as {sql}")
            assert (differences(con, "a", "b") == []) == (name in same), name


@pytest.fixture(scope="module")
def spark_nights(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Paths:
    """The deliveries of `two_nights`, built on Spark: night 1 as delivered, night 2 with every
    PM2.5 reading negative. Each night's exit status is kept beside the home."""
    require_spark()
    home = Paths(tmp_path_factory.mktemp("spark_nights") / "home")
    shutil.copytree(demo_city, home.democity)
    night_1 = nightly_on_spark(home, NIGHT_1)
    assert night_1.returncode == 0, night_1.stderr[-3000:]
    make_pm25_negative(home.democity / f"environment/air_quality_hourly/{NIGHT_2}.csv")
    night_2 = nightly_on_spark(home, NIGHT_2)
    (home.home / "night_2.returncode").write_text(str(night_2.returncode))
    return home


def relations(con, database: str) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            f"""select schema_name, table_name from duckdb_tables()
                where database_name = ? and schema_name in {COMPARED_SCHEMAS}
                union all
                select schema_name, view_name from duckdb_views()
                where database_name = ? and schema_name in {COMPARED_SCHEMAS}
                order by all""",
            [database, database],
        ).fetchall()
    ]


@pytest.mark.slow
def test_every_mart_is_the_same_on_spark(spark_nights: Paths, two_nights: TwoNights) -> None:
    with connect(spark_nights.warehouse, read_only=True) as con:
        con.execute(f"attach {literal(str(two_nights.home.warehouse))} as duck (read_only)")
        spark = con.execute("select current_database()").fetchone()[0]
        built = relations(con, "duck")
        assert len(built) >= 30 and relations(con, spark) == built
        unequal = {r: d for r in built if (d := differences(con, f"duck.{r}", r))}
        assert unequal == {}


@pytest.mark.slow
def test_spark_checks_decide_as_duckdb_checks(spark_nights: Paths, two_nights: TwoNights) -> None:
    """Every check (source suites, dbt's generic and singular tests, publish scans) evaluated
    the same rows and passed or failed alike, and the night's outcome is the same."""
    with connect(spark_nights.warehouse, read_only=True) as con:
        con.execute(f"attach {literal(str(two_nights.home.warehouse))} as duck (read_only)")
        outcomes = {
            side: set(
                con.execute(f"select {CHECK_OUTCOME} from {side}quality.check_results").fetchall()
            )
            for side in ("", "duck.")
        }
        dbt_checks = con.execute(
            "select count(*) from quality.check_results where source = 'dbt'"
        ).fetchone()[0]
    assert dbt_checks > 300 and outcomes[""] == outcomes["duck."]
    returncode = int((spark_nights.home / "night_2.returncode").read_text())
    assert returncode == (0 if two_nights.night_2_succeeded else 1)


@pytest.mark.slow
def test_a_night_on_spark_publishes_the_same_open_data(
    spark_nights: Paths, two_nights: TwoNights
) -> None:
    served = {}
    for side in (two_nights.home, spark_nights):
        served[side] = {
            d.id: root / d.id / "current" / f"{d.id}.parquet"
            for d in open_datasets()
            if (root := destination(side, d)) is not None and current(root, d.id) is not None
        }
    duck, spark = served[two_nights.home], served[spark_nights]
    assert len(duck) >= 7 and sorted(spark) == sorted(duck)
    with connect(spark_nights.home / "compare.duckdb") as con:
        unequal = {
            dataset: d
            for dataset, path in duck.items()
            if (
                d := differences(
                    con,
                    f"read_parquet({literal(str(path))})",
                    f"read_parquet({literal(str(spark[dataset]))})",
                )
            )
        }
    assert unequal == {}


@pytest.mark.slow
def test_analysts_read_the_spark_build(spark_nights: Paths, two_nights: TwoNights) -> None:
    """Every asset of the build materialised on Spark too: the analyst snapshot, which Dagster
    runs only after all of them, holds the same tables with the same row counts."""
    builds = []
    for side in (two_nights.home, spark_nights):
        with connect(analyst_path(side.home), read_only=True) as con:
            builds.append(con.execute("select built_for, tables from _build").fetchall())
    assert builds[0][0][0] == NIGHT_2 and builds[1] == builds[0]
