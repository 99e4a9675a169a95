"""Contracts: every built-in one loads; a broken one names its file and field; new ones onboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.contracts import ContractError, load_contracts
from orchestration.settings import BUILTIN_CONTRACTS_DIR, BUREAUS

NEW_FEED = """
dataset: noise_readings
bureau: environment
title: 噪声监测
title_en: Noise readings
description: Hourly noise levels from a new district's sensors.
contact: data@example.cn
format: csv
location: feeds/noise/{date}.csv
columns:
  - {name: sensor_id, type: varchar, required: true}
  - {name: measured_at, type: timestamp, required: true}
  - {name: laeq_db, type: double}
keys: [sensor_id, measured_at]
openness: unconditional
update_frequency: daily
expected_delivery: "03:00"
"""


def test_builtin_contracts_cover_all_seven_bureaus() -> None:
    contracts = load_contracts([BUILTIN_CONTRACTS_DIR])
    assert {c.bureau for c in contracts} == set(BUREAUS)
    assert len(contracts) == 17
    formats = {c.format for c in contracts}
    assert formats == {"csv", "jsonl", "parquet", "xlsx", "rest", "sql", "gtfs"}


def test_a_new_feed_is_onboarded_by_a_contract_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "noise.yaml").write_text(NEW_FEED, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(tmp_path))
    keys = [c.key for c in load_contracts()]
    assert "environment__noise_readings" in keys


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("format: csv", "format: xml"), "format"),
        (
            ("  - {name: laeq_db, type: double}", "  - {name: laeq_db, type: decibel}"),
            "columns.2.type",
        ),
        (("keys: [sensor_id, measured_at]", "keys: [sensor]"), "keys"),
        (('expected_delivery: "03:00"', "expected_delivery: late"), "expected_delivery"),
        # hostile contracts: a path out of CITYBASE_HOME, a name that collides with a GTFS table
        (("location: feeds/noise/{date}.csv", "location: ../../etc/{date}.csv"), "location"),
        (("dataset: noise_readings", "dataset: gtfs__stops"), "dataset"),
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
            "location: feeds/noise/{date}.csv", "location: sqlite:///{home}/noise.db"
        )
        + "sql: {table: readings, order_by: sensor_id, "
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

    (tmp_path / "noise.yaml").write_text(
        NEW_FEED.replace("feeds/noise/{date}.csv", "${NOISE_DROP}/{date}.csv"), encoding="utf-8"
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
