"""A new county (县级节点) onboards by a folder of contracts and nothing else: its own column
names, tokens and units map onto the city's standards, its rows sit beside the city's, its
bureau joins the register, and a register that arrives late gives refused rows a second chance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.assets.extract import table_assets
from orchestration.bureaus import bureau_register
from orchestration.contracts import ContractError, load_contracts
from orchestration.ingest.delivery import extract
from orchestration.ingest.recheck import recheck_after_reference
from orchestration.quality.sources import run_source_checks
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths

DAY = dt.date(2026, 10, 1)
COMMON = """
bureau: county_a
contact: data@county-a.example.cn
openness: unconditional
expected_delivery: "06:00"
"""
STATIONS = (
    COMMON
    + """
dataset: stations
bureau_name: {zh: 甲县数据资源局, en: County A Data Bureau}
standard: environment.stations
title: 甲县监测站点
title_en: County A monitoring stations
description: The county's two stations.
format: csv
location: county/stations.csv
update_frequency: on_change
columns:
  station_id: 编号
  station_name: 名称
  division_code: {value: "330199"}
"""
)
READINGS = (
    COMMON
    + """
dataset: air_quality
standard: environment.air_quality_hourly
title: 甲县空气质量
title_en: County A air quality
description: Hourly readings, CO in µg/m³, '-' for a missing value.
format: csv
location: county/air/{date}.csv
update_frequency: daily
null_values: ["-"]
columns:
  station_id: 站点
  measured_at: {from: 时间, format: "%Y/%m/%d %H时"}
  pm25_ugm3: PM2.5
  co_mgm3: {from: CO, unit: µg/m³}
"""
)


@pytest.fixture
def county(home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    folder = tmp_path / "county_contracts"
    folder.mkdir()
    (folder / "stations.yaml").write_text(STATIONS, encoding="utf-8")
    (folder / "air_quality.yaml").write_text(READINGS, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    (home.home / "county" / "air").mkdir(parents=True)
    return {c.key: c for c in load_contracts()}


def _deliver(home: Paths, stations: list[str], readings: list[str]) -> None:
    (home.home / "county" / "stations.csv").write_text(
        "编号,名称\n" + "".join(f"{s},{s}站\n" for s in stations), encoding="utf-8"
    )
    (home.home / "county" / "air" / f"{DAY}.csv").write_text(
        "站点,时间,PM2.5,CO\n" + "".join(line + "\n" for line in readings), encoding="utf-8"
    )


def test_a_county_feed_maps_onto_the_city_standard(county: dict, home: Paths, con) -> None:
    _deliver(home, ["A1"], ["A1,2026/10/01 00时,35,1200", "A1,2026/10/01 01时,-,-"])
    extract(con, county["county_a__stations"], DAY, home)
    [result] = extract(con, county["county_a__air_quality"], DAY, home)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = con.execute(
        "select _source, station_id, measured_at, pm25_ugm3, co_mgm3 "
        "from raw.environment__air_quality_hourly order by measured_at"
    ).fetchall()
    assert rows == [
        ("county_a__air_quality", "A1", dt.datetime(2026, 10, 1, 0), 35.0, 1.2),
        ("county_a__air_quality", "A1", dt.datetime(2026, 10, 1, 1), None, None),
    ]
    station = con.execute("select division_code from raw.environment__stations").fetchall()
    assert station == [("330199000000",)]  # the county's 6-digit code, held as 12 digits
    assert bureau_register(county.values())["county_a"] == {
        "zh": "甲县数据资源局",
        "en": "County A Data Bureau",
    }


def test_a_value_that_does_not_parse_is_quarantined_with_its_rule(
    county: dict, home: Paths, con
) -> None:
    good = [f"A1,2026/10/01 0{h}时,35,1200" for h in range(3)]
    _deliver(home, ["A1"], ["A1,2026-10-01 00:00,35,1200", "A1,2026/10/01 04时,12,abc", *good])
    [result] = extract(con, county["county_a__air_quality"], DAY, home)
    rules = con.execute(
        "select row_number, rule, reason from raw._quarantine order by row_number"
    ).fetchall()
    assert [(r[0], r[1]) for r in rules] == [(2, "type:measured_at"), (3, "type:co_mgm3")]
    assert "column '时间'" in rules[0][2] and "column 'CO'" in rules[1][2]
    assert result.rows_read == result.rows_loaded + result.rows_quarantined == 5


def test_rows_refused_for_an_unknown_station_get_a_second_chance(
    county: dict, home: Paths, con
) -> None:
    stations, readings = county["county_a__stations"], county["county_a__air_quality"]
    hours = [f"{s},2026/10/01 0{h}时,30,800" for s in ("A1", "A2") for h in range(3)]
    _deliver(home, ["A1"], hours)
    extract(con, stations, DAY, home)
    extract(con, readings, DAY, home)
    run_source_checks(con, readings, DAY, table_assets(readings))
    held = con.execute(
        "select count(*) from raw._quarantine where rule = 'gx:station_id_exists'"
    ).fetchone()
    assert held == (3,)  # A2 is not in the register yet

    _deliver(home, ["A1", "A2"], hours)  # the register arrives with A2; the readings do not
    extract(con, stations, DAY, home)
    [done] = recheck_after_reference(con, stations, county.values(), home, table_assets)
    assert (done.source, done.day, done.held, done.restored) == (readings.key, DAY, 3, 3)
    assert con.execute("select count(*) from raw._quarantine").fetchone() == (0,)
    loaded = con.execute(
        "select count(*) from raw.environment__air_quality_hourly where station_id = 'A2'"
    ).fetchone()
    assert loaded == (3,)
    manifest = con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw._manifest "
        "where dataset = 'air_quality' and status = 'loaded'"
    ).fetchall()
    assert manifest == [(6, 6, 0)]


def test_an_operator_replaces_or_disables_a_built_in_source(tmp_path: Path) -> None:
    builtin = next(BUILTIN_CONTRACTS_DIR.glob("environment/stations.yaml")).read_text("utf-8")
    moved = builtin.replace("democity/environment/stations.csv", "drop/stations.csv")
    (tmp_path / "stations.yaml").write_text(moved, encoding="utf-8")
    with pytest.raises(ContractError, match="replaces: true"):
        load_contracts([BUILTIN_CONTRACTS_DIR, tmp_path])
    (tmp_path / "stations.yaml").write_text("replaces: true\n" + moved, encoding="utf-8")
    [stations] = [
        c
        for c in load_contracts([BUILTIN_CONTRACTS_DIR, tmp_path])
        if c.key == "environment__stations"
    ]
    assert stations.location == "drop/stations.csv"
    (tmp_path / "stations.yaml").write_text(
        "bureau: environment\ndataset: stations\ndisabled: true\n", encoding="utf-8"
    )
    keys = {c.key for c in load_contracts([BUILTIN_CONTRACTS_DIR, tmp_path])}
    assert "environment__stations" not in keys and "environment__air_quality_hourly" in keys


def test_a_new_bureau_without_names_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stations.yaml").write_text(
        STATIONS.replace("bureau_name: {zh: 甲县数据资源局, en: County A Data Bureau}\n", ""),
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match=r"bureau_name.*not in the register"):
        load_contracts([BUILTIN_CONTRACTS_DIR, tmp_path])


def test_a_namespace_keeps_two_sources_with_the_same_ids_apart(
    county: dict, home: Paths, con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """County A and the city both call a station S1: the county's contracts say namespace."""
    folder = tmp_path / "namespaced"
    folder.mkdir()
    for name, text in (("stations", STATIONS), ("air_quality", READINGS)):
        (folder / f"{name}.yaml").write_text("namespace: county_a\n" + text, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    contracts = {c.key: c for c in load_contracts()}
    _deliver(home, ["S1"], ["S1,2026/10/01 00时,35,1200"])
    extract(con, contracts["county_a__stations"], DAY, home)
    readings = contracts["county_a__air_quality"]
    extract(con, readings, DAY, home)
    run_source_checks(con, readings, DAY, table_assets(readings))
    assert con.execute("select station_id from raw.environment__stations").fetchall() == [
        ("county_a:S1",)
    ]
    assert con.execute("select station_id from raw.environment__air_quality_hourly").fetchall() == [
        ("county_a:S1",)
    ]
    assert con.execute("select count(*) from raw._quarantine").fetchone() == (0,)


def test_a_register_lands_before_the_facts_checked_against_it(
    county: dict, home: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import materialize

    from orchestration.assets.extract import build_extract_asset
    from orchestration.resources import CitybaseHome

    _deliver(home, ["A1"], ["A1,2026/10/01 00时,35,1200"])
    readings, stations = county["county_a__air_quality"], county["county_a__stations"]
    result = materialize(
        [build_extract_asset(c, county.values()) for c in (readings, stations)],
        partition_key=DAY.isoformat(),
        resources={"home": CitybaseHome()},
    )
    started = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
    assert started == ["extract_county_a__stations", "extract_county_a__air_quality"]
