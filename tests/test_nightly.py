"""The nightly job end to end through Dagster, on a real DuckDB file and the demo city."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from orchestration.cli import main, run_nightly
from orchestration.integrations.dbt.project import ensure_manifest
from orchestration.settings import Paths
from orchestration.warehouse import connect

DAY = dt.date(2026, 9, 30)


def raw_row_counts(home: Paths) -> dict[str, int]:
    with connect(home.warehouse, read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' "
                "and not starts_with(table_name, '_')"
            ).fetchall()
        ]
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


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
    """Every model the build wrote, and every column it has, carries a description in YAML."""
    manifest = json.loads(ensure_manifest().read_text())
    documented = {
        (node["schema"], node["name"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    with connect(home.warehouse, read_only=True) as con:
        built = con.execute(
            "select table_schema, table_name, list(column_name) from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts', 'open_data', 'private') "
            "group by all"
        ).fetchall()
    missing = []
    for schema, table, columns in built:
        node = documented[(schema, table)]
        if not node["description"]:
            missing.append(table)
        missing += [
            f"{table}.{c}" for c in columns if not node["columns"].get(c, {}).get("description")
        ]
    assert len(built) == len(documented) and missing == []


@pytest.mark.slow
def test_nightly_lands_every_bureau_and_a_rerun_adds_nothing(demo_home: Paths, capsys) -> None:
    assert run_nightly(DAY, demo_home, log_level="ERROR")
    with connect(demo_home.warehouse, read_only=True) as con:
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
    assert_every_mart_has_the_day(demo_home, DAY)
    assert_every_column_is_documented(demo_home)
    first = raw_row_counts(demo_home)
    assert first["transport__smartcard_taps"] > 1000

    assert main(["nightly", "--date", DAY.isoformat()]) == 0
    assert raw_row_counts(demo_home) == first


@pytest.mark.slow
def test_a_broken_delivery_fails_its_asset_and_the_others_still_land(
    home: Paths, demo_city, capsys
) -> None:
    demo_home = home
    shutil.copytree(demo_city, demo_home.democity)
    broken = demo_home.democity / "hotline/work_orders/2026-09-30.jsonl"
    broken.write_bytes(b"\x00\x01garbage" * 100)
    assert main(["nightly", "--date", DAY.isoformat()]) == 1
    err = capsys.readouterr().err
    assert "extract_hotline__work_orders" in err and "work_orders" in err
    counts = raw_row_counts(demo_home)
    assert counts["hotline__work_orders"] == 0  # every standard's raw table exists, this one empty
    assert counts["health__outpatient_visits"] > 0 and counts["transport__bus_gps"] > 0
