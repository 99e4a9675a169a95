"""Real feeds that nobody here wrote, onboarded by contract only (../shared/data, read where it
lies): the platform's numbers on them are checked against values worked out independently."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from orchestration.contracts import load_contracts
from orchestration.ingest.delivery import extract
from orchestration.landing.schema import ensure_raw_tables
from orchestration.settings import Paths
from orchestration.warehouse import connect
from tests.conftest import SHARED_DATA
from tests.warehouse import dbt_build, query

AIR = SHARED_DATA / "air_quality"
STATIONS = ("Aotizhongxin", "Wanliu")
needs_air = pytest.mark.skipif(
    not all((AIR / f"PRSA_Data_{s}_20130301-20170228.csv").is_file() for s in STATIONS),
    reason=f"the Beijing air-quality files are not in {AIR} (../shared/data beside the clone)",
)

# One contract per station file: two sources of one standard. The file is as published: time in
# four columns, NA for a missing value, CO in µg/m³, the station by name.
AIR_CONTRACT = """
dataset: beijing_{slug}
bureau: environment
standard: environment.air_quality_hourly
title: 北京{slug}站空气质量小时数据
title_en: Beijing {station} station, hourly air quality
description: Hourly concentrations at one Beijing monitoring station, 2013-03 to 2017-02.
contact: Beijing Municipal Environmental Monitoring Center (via UCI, CC BY 4.0)
format: csv
location: ${{CITYBASE_TEST_AIR}}/PRSA_Data_{station}_20130301-20170228.csv
null_values: [NA]
columns:
  station_id: station
  measured_at:
    expr: make_timestamp(year::bigint, month::bigint, day::bigint, hour::bigint, 0, 0)
  pm25_ugm3: PM2.5
  pm10_ugm3: PM10
  so2_ugm3: SO2
  no2_ugm3: NO2
  o3_ugm3: O3
  co_mgm3: {{from: CO, unit: ug/m3}}
openness: unconditional
update_frequency: on_change
expected_delivery: "06:00"
"""

# The operator's own register of the two stations, with its own column names and the district
# codes in their 6-digit published form (Chaoyang 110105, Haidian 110108).
STATION_REGISTER = "站点,名称,区县代码,纬度,经度\nAotizhongxin,奥体中心,110105,39.982,116.397\n" + (
    "Wanliu,万柳,110108,39.987,116.287\n"
)
STATION_CONTRACT = """
dataset: beijing_stations
bureau: environment
standard: environment.stations
title: 北京监测站点
title_en: Beijing monitoring stations
description: The operator's register of the stations whose readings are onboarded.
contact: data@example.cn
format: csv
location: register/stations.csv
columns:
  station_id: 站点
  station_name: 名称
  division_code: 区县代码
  latitude: 纬度
  longitude: 经度
  station_type: {value: 城市评价点}
openness: unconditional
update_frequency: on_change
expected_delivery: "06:00"
"""

# HJ 633-2012 Table 1: IAQI breakpoints and concentration limits (µg/m³; CO mg/m³).
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
BREAKPOINTS = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "pm25_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
PLAUSIBLE_MAX = {"pm25": 2000, "pm10": 10000, "so2": 10000, "no2": 5000, "o3": 2000, "co": 200}


def iaqi(table: str, value: float | None) -> int | None:
    """HJ 633-2012 formula (1), rounded up; beyond the table's top, 500."""
    if value is None or math.isnan(value) or value < 0:
        return None
    points = BREAKPOINTS[table]
    for i in range(1, len(points)):
        if value <= points[i]:
            low, high = points[i - 1], points[i]
            share = (IAQI[i] - IAQI[i - 1]) / (high - low) * (value - low) + IAQI[i - 1]
            return math.ceil(round(share, 6))
    return 500


def expected_hourly_aqi(files: list[Path]) -> dict[tuple[str, dt.datetime], int | None]:
    """Hourly AQI per station and hour, from the published files with pandas and the formula."""
    frame = pd.concat(pd.read_csv(f, na_values=["NA"]) for f in files)
    frame["hour"] = pd.to_datetime(frame[["year", "month", "day", "hour"]])
    frame = frame.rename(columns={"PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2"})
    frame = frame.rename(columns={"O3": "o3", "CO": "co"})
    frame["co"] = frame["co"] / 1000  # µg/m³ as published, mg/m³ as the standard holds it
    for pollutant, top in PLAUSIBLE_MAX.items():  # screened out, as the warehouse does
        frame.loc[(frame[pollutant] < 0) | (frame[pollutant] > top), pollutant] = float("nan")
    frame = frame.sort_values(["station", "hour"]).set_index("hour")
    trailing = frame.groupby("station")["so2"].rolling("24h")
    frame["so2_24h_mean"] = trailing.mean().reset_index(level=0, drop=True)
    frame["so2_24h_hours"] = trailing.count().reset_index(level=0, drop=True)
    expected = {}
    for hour, row in frame.iterrows():
        so2 = row.so2
        if so2 > 800:  # the 1-hour table ends: SO2 by its trailing 24-hour mean
            so2_index = iaqi("so2_24h", row.so2_24h_mean) if row.so2_24h_hours >= 20 else None
        else:
            so2_index = iaqi("so2_1h", so2)
        indices = [
            iaqi("pm25_24h", row.pm25),
            iaqi("pm10_24h", row.pm10),
            so2_index,
            iaqi("no2_1h", row.no2),
            iaqi("o3_1h", row.o3),
            iaqi("co_1h", row.co),
        ]
        present = [i for i in indices if i is not None]
        expected[(row.station, hour.to_pydatetime())] = max(present) if present else None
    return expected


@needs_air
def test_real_air_quality_is_onboarded_by_contract_and_its_aqi_is_right(
    home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "contracts"
    folder.mkdir()
    for station in STATIONS:
        text = AIR_CONTRACT.format(slug=station.lower(), station=station)
        (folder / f"{station.lower()}.yaml").write_text(text, encoding="utf-8")
    (folder / "stations.yaml").write_text(STATION_CONTRACT, encoding="utf-8")
    (home.home / "register").mkdir()
    (home.home / "register" / "stations.csv").write_text(STATION_REGISTER, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    monkeypatch.setenv("CITYBASE_TEST_AIR", str(AIR))
    monkeypatch.setenv("CITYBASE_DATA_ROOTS", str(AIR))
    monkeypatch.setenv("CITYBASE_FIRST_DAY", "2013-03-01")
    contracts = {c.key: c for c in load_contracts()}
    files = [AIR / f"PRSA_Data_{s}_20130301-20170228.csv" for s in STATIONS]
    with connect(home.warehouse) as con:
        extract(con, contracts["environment__beijing_stations"], dt.date(2017, 3, 1), home)
        for station in STATIONS:
            [result] = extract(
                con, contracts[f"environment__beijing_{station.lower()}"], dt.date(2017, 3, 1), home
            )
            # Nothing lost: every hour of the file is loaded; a missing value is a NULL, not a
            # rejected record.
            assert result.rows_read == 35064 == result.rows_loaded, result
        ensure_raw_tables(con)
        nulls = con.execute(
            "select count(*) filter (where co_mgm3 is null), max(co_mgm3), count(distinct _source)"
            " from raw.environment__air_quality_hourly"
        ).fetchone()
    published = pd.concat(pd.read_csv(f, na_values=["NA"]) for f in files)
    assert nulls[0] == published["CO"].isna().sum() > 0
    assert nulls[1] == pytest.approx(published["CO"].max() / 1000)  # converted to mg/m³
    assert nulls[2] == 2  # two sources, one standard
    stations = query(home, "select station_id, division_code from raw.environment__stations")
    assert sorted(stations) == [("Aotizhongxin", "110105000000"), ("Wanliu", "110108000000")]

    dbt_build(home, "+fct_air_quality_hourly")
    built = {
        (station, hour): aqi
        for station, hour, aqi in query(
            home, "select station_id, measured_at, aqi from marts.fct_air_quality_hourly"
        )
    }
    expected = expected_hourly_aqi(files)
    assert len(built) == len(expected) == 2 * 35064
    wrong = [(k, built[k], v) for k, v in expected.items() if built[k] != v]
    assert not wrong, f"{len(wrong)} hours differ, e.g. {wrong[:5]}"
    assert dt.date(2013, 3, 1) in {h.date() for _, h in built}  # its own dates, not 2024's


DIVISIONS = SHARED_DATA / "divisions" / "areacodes-result.csv"
needs_divisions = pytest.mark.skipif(
    not DIVISIONS.is_file(),
    reason=f"China's division codes are not at {DIVISIONS} (../shared/data beside the clone)",
)
# The national list as published: 6-digit codes, levels in Chinese, no parent column (a code's
# parent is in its digits), and the history of every code (in use, retired, changed, and what
# replaced it). For a city's warehouse a municipality (直辖市) is a city, and so is a county-level
# city that a province administers directly (直辖); their districts belong to them.
DIVISIONS_CONTRACT = """
dataset: national_divisions
bureau: civil_affairs
standard: civil_affairs.divisions
title: 全国县级以上行政区划代码
title_en: China's division codes, county level and above
description: Province, prefecture and county codes since 1980 with their history.
contact: Ministry of Civil Affairs (compiled by yescallop/areacodes, CC0)
format: csv
location: ${CITYBASE_TEST_DIVISIONS}/areacodes-result.csv
columns:
  division_code: 代码
  division_name: 名称
  division_level:
    expr: >-
      CASE WHEN 级别 = '省级' AND substr(代码, 1, 2) IN ('11', '12', '31', '50') THEN 'city'
      WHEN 级别 = '省级' THEN 'province' WHEN 级别 = '地级' THEN 'city'
      WHEN 二级行政区 = '直辖' AND substr(代码, 1, 2) NOT IN ('11', '12', '31', '50') THEN 'city'
      ELSE 'district' END
  parent_division_code:
    expr: >-
      CASE WHEN 级别 = '省级' THEN NULL
      WHEN 级别 = '地级' OR 二级行政区 = '直辖' THEN substr(代码, 1, 2) || '0000'
      ELSE substr(代码, 1, 4) || '00' END
  is_current: {from: 状态, map: {在用: true, 弃用: false, 变更: false}}
  valid_from_year: 启用时间
  valid_to_year: 变更/弃用时间
  replaced_by_code: 新代码
openness: unconditional
update_frequency: on_change
expected_delivery: "06:00"
"""


def _onboard_divisions(folder: Path, monkeypatch: pytest.MonkeyPatch, text: str):
    folder.mkdir()
    (folder / "divisions.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    monkeypatch.setenv("CITYBASE_TEST_DIVISIONS", str(DIVISIONS.parent))
    monkeypatch.setenv("CITYBASE_DATA_ROOTS", str(DIVISIONS.parent))
    return {c.key: c for c in load_contracts()}["civil_affairs__national_divisions"]


@needs_divisions
def test_real_division_codes_are_onboarded_as_delivered(
    home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = _onboard_divisions(tmp_path / "contracts", monkeypatch, DIVISIONS_CONTRACT)
    with connect(home.warehouse) as con:
        [result] = extract(con, contract, dt.date(2026, 10, 1), home)
        ensure_raw_tables(con)
    published = pd.read_csv(DIVISIONS, dtype=str, encoding="utf-8-sig")
    assert result.rows_read == len(published) == result.rows_loaded  # every code, history too

    dbt_build(home, "+dim_division")
    built = dict(
        query(
            home,
            "select division_code, division_name from marts.dim_division "
            "where city_code = '130100000000' and division_level = 'district'",
        )
    )
    # Shijiazhuang's districts and counties in use, worked out from the file with pandas.
    in_use = published[(published["状态"] == "在用") & (published["级别"] == "县级")]
    mine = in_use[in_use["代码"].str.startswith("1301")]
    assert built == {
        code + "000000": name for code, name in zip(mine["代码"], mine["名称"], strict=True)
    }
    assert len(built) > 10
    [(city,)] = query(
        home, "select division_name from marts.dim_division where division_code = '130100000000'"
    )
    assert city == "石家庄市"
    chaoyang = query(
        home,
        "select division_name, division_level, city_name from marts.dim_division "
        "where division_code = '110105000000'",
    )
    assert chaoyang == [("朝阳区", "district", "北京市")]
    retired = query(
        home, "select count(*) from marts.dim_division where division_code = ?", ["110103000000"]
    )  # 崇文区, merged into 东城区 in 2010
    assert retired == [(0,)]


@needs_divisions
def test_a_reference_delivery_whose_every_row_is_refused_fails_its_step(
    home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Codes read with one digit dropped: every row breaks the division-code format. The night
    must not end green with the district gone."""
    broken = DIVISIONS_CONTRACT.replace(
        "division_code: 代码", "division_code: {expr: 'substr(代码, 2)'}"
    )
    contract = _onboard_divisions(tmp_path / "contracts", monkeypatch, broken)
    from dagster import materialize

    from orchestration.assets.extract import build_extract_asset
    from orchestration.resources import CitybaseHome

    result = materialize(
        [build_extract_asset(contract, [contract])],
        partition_key="2026-10-01",
        resources={"home": CitybaseHome()},
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message + str(
        failure.step_failure_data.user_failure_data
    )
    assert "areacodes-result.csv" in message and "all 6823 rows" in message
    assert "division_code_format" in message
