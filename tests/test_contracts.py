"""Contracts: every built-in one loads; a broken one names its file and field; new ones onboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.contracts import ContractError, load_contracts
from orchestration.settings import BUILTIN_CONTRACTS_DIR, bureau_names

NEW_FEED = """
dataset: county_air_quality
bureau: environment
standard: environment.air_quality_hourly
title: 县空气质量
title_en: A county's air quality
description: Hourly readings of a county's stations, in the county's own column names.
contact: data@example.cn
format: csv
location: feeds/air/{date}.csv
null_values: [NA]
columns:
  station_id: 站点编号
  measured_at: {from: 时间, format: "%Y/%m/%d %H:%M"}
  pm25_ugm3: PM2.5
  co_mgm3: {from: CO, unit: ug/m3}
  so2_ugm3: {expr: '"SO2(ppb)"::double * 2.62'}
openness: unconditional
update_frequency: daily
expected_delivery: "03:00"
"""


def test_builtin_contracts_cover_all_seven_bureaus() -> None:
    contracts = load_contracts([BUILTIN_CONTRACTS_DIR])
    assert {c.bureau for c in contracts} == set(bureau_names())
    assert len(contracts) == 17
    formats = {c.format for c in contracts}
    assert formats == {"csv", "jsonl", "parquet", "xlsx", "rest", "sql", "gtfs"}


def test_a_new_feed_is_onboarded_by_a_contract_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "air.yaml").write_text(NEW_FEED, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(tmp_path))
    keys = [c.key for c in load_contracts()]
    assert "environment__county_air_quality" in keys


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("format: csv", "format: xml"), "format"),
        (("{from: CO, unit: ug/m3}", "{from: CO, unit: km/h}"), "columns.co_mgm3.unit"),
        (("{from: CO, unit: ug/m3}", "{from: CO, unit: ppq}"), "columns.co_mgm3.unit"),
        (("  pm25_ugm3: PM2.5", "  pm99: PM2.5"), "columns"),
        (("  station_id: 站点编号\n", ""), "columns"),  # required by the standard
        (("{from: CO, unit: ug/m3}", "{from: CO, value: 1}"), "columns.co_mgm3"),
        (("::double * 2.62", "::double * getenv(''HOME'')"), "columns.so2_ugm3.expr"),
        (("::double * 2.62", "::double * (select 1)"), "columns.so2_ugm3.expr"),
        (("::double * 2.62", "::double * make_date(1)"), "columns.so2_ugm3"),  # binds
        (('format: "%Y/%m/%d %H:%M"', "format: '%Y', unit: mg/m3"), "columns.measured_at.unit"),
        (("standard: environment.air_quality_hourly", "standard: environment.noise"), "standard"),
        (('expected_delivery: "03:00"', "expected_delivery: late"), "expected_delivery"),
        # hostile contracts: a path out of CITYBASE_HOME, a name that collides with a GTFS table
        (("location: feeds/air/{date}.csv", "location: ../../etc/{date}.csv"), "location"),
        (("dataset: county_air_quality", "dataset: gtfs__stops"), "dataset"),
        (("bureau: environment", "bureau: transport_"), "bureau"),
    ],
)
def test_an_error_names_the_file_and_the_field(tmp_path: Path, change, field) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(NEW_FEED.replace(*change), encoding="utf-8")
    with pytest.raises(ContractError) as error:
        load_contracts([tmp_path])
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_the_same_dataset_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(NEW_FEED, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(NEW_FEED, encoding="utf-8")
    with pytest.raises(ContractError, match="already defined"):
        load_contracts([tmp_path])


def test_location_takes_the_environment_and_the_day(monkeypatch) -> None:
    import datetime as dt

    contract = next(
        c for c in load_contracts([BUILTIN_CONTRACTS_DIR]) if c.key == "tourism__gate_entries"
    )
    monkeypatch.setenv("CITYBASE_TOURISM_API_URL", "http://127.0.0.1:9")
    assert contract.resolve_location(dt.date(2026, 10, 1), "/h") == (
        "http://127.0.0.1:9/api/v1/gate-entries?date=2026-10-01"
    )


def test_sql_options_take_identifiers_only(tmp_path: Path) -> None:
    """`sql.date_column` is pasted into a query: anything but a column name is refused."""
    path = tmp_path / "db.yaml"
    path.write_text(
        NEW_FEED.replace("format: csv", "format: sql").replace(
            "location: feeds/air/{date}.csv", "location: sqlite:///{home}/air.db"
        )
        + "sql: {table: readings, order_by: station, "
        + "date_column: \"measured_at >= '1900-01-01' or measured_at\"}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as error:
        load_contracts([tmp_path])
    assert str(path) in str(error.value) and "sql.date_column" in str(error.value)


def test_a_location_from_the_environment_stays_inside_the_data_roots(
    tmp_path: Path, monkeypatch
) -> None:
    import datetime as dt

    from orchestration.connectors.files import locate
    from orchestration.landing.errors import DeliveryError

    (tmp_path / "air.yaml").write_text(
        NEW_FEED.replace("feeds/air/{date}.csv", "${NOISE_DROP}/{date}.csv"), encoding="utf-8"
    )
    [contract] = load_contracts([tmp_path])
    home, drop = tmp_path / "home", tmp_path / "drop"
    drop.mkdir()
    (drop / "2026-10-01.csv").write_text("sensor_id,measured_at\n", encoding="utf-8")
    monkeypatch.setenv("NOISE_DROP", str(drop))
    with pytest.raises(DeliveryError, match="field 'location' points outside CITYBASE_HOME"):
        locate(contract, dt.date(2026, 10, 1), home)
    monkeypatch.setenv("NOISE_DROP", "../drop")
    with pytest.raises(DeliveryError, match="CITYBASE_DATA_ROOTS"):
        locate(contract, dt.date(2026, 10, 1), home)
    monkeypatch.setenv("CITYBASE_DATA_ROOTS", str(drop))
    assert locate(contract, dt.date(2026, 10, 1), home) == drop / "2026-10-01.csv"


def test_what_the_standards_generate_is_committed_and_current() -> None:
    """dbt sources, staging models and their docs are generated from the standards; a change
    to a standard without `citybase contracts generate` leaves them stale, and this fails."""
    from orchestration.standards.generate import generated_files, stale_files

    assert stale_files() == []
    files = generated_files()
    assert len([p for p in files if p.suffix == ".sql"]) == 16  # one staging model a standard
    sources = next(t for p, t in files.items() if p.name == "_environment__sources.yml")
    assert "environment__air_quality_hourly" in sources and "pm25_ugm3" in sources


def test_contracts_check_prints_every_problem_with_its_file(tmp_path: Path, capsys) -> None:
    from orchestration.cli import main

    (tmp_path / "a.yaml").write_text(NEW_FEED.replace("format: csv", "format: xml"), "utf-8")
    (tmp_path / "b.yaml").write_text(
        NEW_FEED.replace("dataset: county_air_quality", "dataset: other").replace(
            "{from: CO, unit: ug/m3}", "{from: CO, unit: km/h}"
        ),
        "utf-8",
    )
    assert main(["contracts", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'a.yaml'}: field 'format'" in out
    assert f"{tmp_path / 'b.yaml'}: field 'columns.co_mgm3.unit'" in out
    assert "2 problem(s)" in out and "Traceback" not in out
    (tmp_path / "a.yaml").unlink()
    (tmp_path / "b.yaml").write_text(NEW_FEED, "utf-8")
    assert main(["contracts", "check", str(tmp_path)]) == 0
    assert "environment__county_air_quality: csv -> environment.air_quality_hourly" in (
        capsys.readouterr().out
    )
