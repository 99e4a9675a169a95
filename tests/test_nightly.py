"""The nightly job end to end through Dagster, on a real DuckDB file and the demo city."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pytest

from orchestration.cli import main
from orchestration.integrations.dbt.project import ensure_manifest
from orchestration.landing.schema import raw_tables
from orchestration.settings import Paths
from orchestration.snapshot import analyst_path
from orchestration.warehouse import connect
from tests.conftest import NIGHT_1, NIGHT_2, TEST_KEY
from tests.docs import DocsQuestion, docs_questions, format_row
from tests.invariants import assert_the_lake_mirrors_raw

DAY = dt.date(2026, 9, 30)


def raw_row_counts(home: Paths) -> dict[str, int]:
    with connect(home.warehouse, read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in raw_tables(con)
        }


def assert_every_mart_has_the_day(home: Paths, day: dt.date) -> None:
    with connect(home.warehouse, read_only=True) as con:
        facts = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "and starts_with(table_name, 'fct_')"
            ).fetchall()
        ]
        empty = [
            t
            for t in facts
            if not con.execute(
                f"select count(*) from marts.{t} where date_day = ?", [day]
            ).fetchone()[0]
        ]
    assert len(facts) >= 18 and empty == []


def assert_every_column_is_documented(home: Paths) -> None:
    """Every model the build wrote, and every column it has, carries a description in YAML, in
    the table's order (a reader of the docs, and an engine that reorders columns, rely on it)."""
    manifest = json.loads(ensure_manifest().read_text())
    documented = {
        (node["schema"], node["name"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    with connect(home.warehouse, read_only=True) as con:
        built = con.execute(
            "select table_schema, table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts', 'open_data', 'private') "
            "group by all"
        ).fetchall()
    missing, out_of_order = [], []
    for schema, table, columns in built:
        node = documented[(schema, table)]
        if [c for c in node["columns"] if c in columns] != [
            c for c in columns if c in node["columns"]
        ]:
            out_of_order.append(table)
        if not node["description"]:
            missing.append(table)
        missing += [
            f"{table}.{c}" for c in columns if not node["columns"].get(c, {}).get("description")
        ]
    assert len(built) == len(documented) and missing == [] and out_of_order == []
    # the marts are described in Chinese first, English beside it (and so are their comments)
    chinese_first = re.compile(r"[^。.]*[\u4e00-\u9fff][^。.]*。")
    english_only = [
        f"{name}.{column}" if column else name
        for (schema, name), node in documented.items()
        if schema == "marts"
        for column, text in [
            ("", node["description"]),
            *((c, v["description"]) for c, v in node["columns"].items()),
        ]
        if not chinese_first.match(text)
    ]
    assert english_only == []


@dataclass(frozen=True)
class Demo:
    home: Paths
    printed: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`citybase demo` with its defaults, as `make demo` runs it: the city the docs describe."""
    home = Paths(tmp_path_factory.mktemp("demo") / "home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CITYBASE_HOME", str(home.home))
        env.setenv("DAGSTER_HOME", str(home.home / "dagster"))
        env.setenv("CITYBASE_PSEUDONYM_KEY", TEST_KEY)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["demo"]) == 0
        yield Demo(home, printed.getvalue())


@pytest.mark.slow
def test_the_demo_lands_every_bureau_on_every_day(demo: Demo) -> None:
    with connect(demo.home.warehouse, read_only=True) as con:
        per_bureau = dict(
            con.execute(
                "select bureau, bool_and(rows_read = rows_loaded + rows_quarantined) "
                "from raw._manifest where status = 'loaded' group by bureau"
            ).fetchall()
        )
        views = con.execute(
            "select count(*) from duckdb_views() where schema_name = 'staging'"
        ).fetchone()[0]
        checks = con.execute(
            "select count(*) from raw._manifest where status <> 'loaded'"
        ).fetchone()[0]
    assert per_bureau == dict.fromkeys(
        [
            "civil_affairs",
            "environment",
            "gov_services",
            "health",
            "hotline",
            "tourism",
            "transport",
        ],
        True,
    )
    assert views >= 7 and checks == 0
    for day in (NIGHT_1, NIGHT_2):
        assert_every_mart_has_the_day(demo.home, day)
    assert_every_column_is_documented(demo.home)
    assert_the_lake_mirrors_raw(demo.home)  # what a second engine builds from
    with connect(demo.home.warehouse, read_only=True) as con:
        folders = [t for t in raw_tables(con) if not (demo.home.raw_lake / t).is_dir()]
        register = con.execute("select * from raw._bureaus order by 1").fetchall()
        kept = con.execute(
            f"select * from '{demo.home.raw_lake / '_bureaus' / 'rows.parquet'}' order by 1"
        ).fetchall()
    assert folders == [] and kept == register and len(register) >= 7
    printed = demo.printed.splitlines()
    reconciliation = [line for line in printed if line.endswith(("  yes", "  NO"))]
    assert len(reconciliation) == 7 and all(line.endswith("yes") for line in reconciliation)
    # Compact: each night four job lines and its table, no Dagster or dbt log, no colour codes.
    for day in (NIGHT_1, NIGHT_2):
        assert f"citybase nightly {day}" in demo.printed
    assert len(printed) < 120 and "\x1b[" not in demo.printed
    assert not any("dbt" in line and "START" in line for line in printed)


@pytest.mark.slow
@pytest.mark.parametrize("question", docs_questions(), ids=lambda q: q.title)
def test_the_docs_answers_are_what_the_demo_builds(demo: Demo, question: DocsQuestion) -> None:
    """Every answer docs/analysts.md quotes comes from this city, asked of the analyst copy."""
    with duckdb.connect(str(analyst_path(demo.home.home)), read_only=True) as con:
        rows = con.sql(question.sql).fetchall()
    assert [format_row(row) for row in rows] == question.answer


@pytest.mark.slow
def test_a_rerun_of_the_demos_last_night_adds_nothing(demo: Demo) -> None:
    first = raw_row_counts(demo.home)
    assert first["transport__smartcard_taps"] > 1000
    assert main(["nightly", "--date", NIGHT_2.isoformat()]) == 0
    assert raw_row_counts(demo.home) == first
    assert_the_lake_mirrors_raw(demo.home)


@pytest.mark.slow
def test_a_broken_delivery_fails_its_asset_and_the_others_still_land(
    home: Paths, demo_city, capsys
) -> None:
    demo_home = home
    shutil.copytree(demo_city, demo_home.democity)
    broken = demo_home.democity / "hotline/work_orders/2026-09-30.jsonl"
    broken.write_bytes(b"\x00\x01garbage" * 100)
    assert main(["nightly", "--date", DAY.isoformat()]) == 1
    out, err = capsys.readouterr()
    # One line for the failure, naming the step and the file's problem; no stack trace.
    failures = [line for line in err.splitlines() if line.startswith("✗ nightly_extract")]
    assert len(failures) == 1 and "extract_hotline__work_orders" in failures[0]
    assert "missing required column" in failures[0] and "Traceback" not in err
    assert "extract_hotline__work_orders" in out and "citybase nightly" in out
    counts = raw_row_counts(demo_home)
    assert counts["hotline__work_orders"] == 0  # every standard's raw table exists, this one empty
    assert counts["health__outpatient_visits"] > 0 and counts["transport__bus_gps"] > 0
