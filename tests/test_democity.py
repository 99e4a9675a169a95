"""The demo city: deterministic, realistic where it matters, defects where the ground truth says."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.democity import generate
from orchestration.democity.people import check_digit, id_numbers
from orchestration.holidays import day_type

EXPECTED_FILES = [
    "transport/gtfs/gtfs.zip",
    "transport/smartcard_taps/2026-09-30.csv",
    "transport/bus_gps/2026-09-30.parquet",
    "tourism/api/attractions.jsonl",
    "tourism/api/gate_entries/2026-09-30.jsonl",
    "tourism/hotel_occupancy/2026-09-30.csv",
    "health/hospitals.csv",
    "health/outpatient_visits/2026-09-30.csv",
    "health/bed_occupancy/2026-09-30.csv",
    "gov_services/gov_services.sqlite",
    "hotline/work_orders/2026-09-30.jsonl",
    "environment/stations.csv",
    "environment/air_quality_hourly/2026-09-30.csv",
    "civil_affairs/divisions.xlsx",
    "civil_affairs/population.xlsx",
    "_ground_truth/defects.csv",
]


def test_every_bureau_delivers_in_its_format(demo_city: Path) -> None:
    missing = [f for f in EXPECTED_FILES if not (demo_city / f).is_file()]
    assert missing == []


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate(tmp_path / name, scale=0.01, days=1, start=dt.date(2026, 10, 1), seed=3)
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")

    def differences(cmp: filecmp.dircmp) -> list[str]:
        found = cmp.diff_files + cmp.left_only + cmp.right_only
        return found + [d for sub in cmp.subdirs.values() for d in differences(sub)]

    files = [p for p in (tmp_path / "a").rglob("*") if p.is_file()]
    assert len(files) >= 15
    # dircmp compares shallowly; compare every byte
    assert differences(comparison) == []
    assert all(
        (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes() == p.read_bytes()
        for p in files
    )


def test_another_seed_gives_another_city(tmp_path: Path) -> None:
    generate(tmp_path / "a", scale=0.01, days=1, start=dt.date(2026, 10, 1), seed=3)
    generate(tmp_path / "b", scale=0.01, days=1, start=dt.date(2026, 10, 1), seed=4)
    taps = "transport/smartcard_taps/2026-10-01.csv"
    assert (tmp_path / "a" / taps).read_bytes() != (tmp_path / "b" / taps).read_bytes()


def test_check_digit_matches_gb11643_worked_example() -> None:
    # The standard's worked example: 11010519491231002 has check character X.
    assert check_digit("11010519491231002") == "X"
    ids = id_numbers(np.random.default_rng(1), np.array(["339902"] * 50), np.full(50, 1980))
    assert all(check_digit(i[:17]) == i[17] for i in ids)
    assert all(i.startswith("3399021980") for i in ids)


def test_divisions_form_a_12_digit_hierarchy(demo_city: Path) -> None:
    con = duckdb.connect()
    from orchestration.warehouse import load_extension

    load_extension(con, "excel")
    divisions = con.execute(
        f"select * from read_xlsx('{demo_city / 'civil_affairs/divisions.xlsx'}', "
        "all_varchar = true)"
    ).df()
    assert divisions["division_code"].str.fullmatch(r"\d{12}").all()
    levels = divisions.set_index("division_code")["level"]
    communities = divisions[divisions["level"] == "community"]
    assert len(communities) > 100
    assert (communities["parent_code"].map(levels) == "subdistrict").all()
    assert (communities["division_code"].str[:9] == communities["parent_code"].str[:9]).all()


def test_calendar_knows_holidays_and_makeup_workdays() -> None:
    assert day_type(dt.date(2026, 10, 1)) == "holiday"  # National Day
    assert day_type(dt.date(2026, 9, 30)) == "workday"
    assert day_type(dt.date(2026, 10, 10)) == "makeup_workday"  # Saturday worked for the holiday


def test_holiday_ridership_is_lower_than_workday(demo_city: Path) -> None:
    taps = demo_city / "transport/smartcard_taps"
    workday = len((taps / "2026-09-30.csv").read_text().splitlines())
    holiday = len((taps / "2026-10-01.csv").read_text().splitlines())
    assert holiday < 0.8 * workday


def test_ground_truth_points_at_the_defective_lines(demo_city: Path) -> None:
    truth = pd.read_csv(demo_city / "_ground_truth/defects.csv", dtype=str)
    kinds = set(truth["kind"])
    assert {
        "missing_value",
        "duplicate_row",
        "out_of_range",
        "invalid_division_code",
        "bad_id_checksum",
        "late_row",
        "malformed_line",
    } <= kinds
    visits = truth[(truth["dataset"] == "outpatient_visits") & (truth["date"] == "2026-09-30")]
    lines = (
        (demo_city / "health/outpatient_visits/2026-09-30.csv")
        .read_bytes()
        .decode("gbk")
        .splitlines()
    )
    header = lines[0].split(",")
    id_col = header.index("patient_id_number")
    for row in visits[visits["kind"] == "bad_id_checksum"].itertuples():
        value = lines[int(row.line) - 1].split(",")[id_col]
        assert check_digit(value[:17]) != value[17], row
    for row in visits[visits["kind"] == "malformed_line"].itertuples():
        assert len(lines[int(row.line) - 1].split(",")) != len(header)
    orders = truth[(truth["dataset"] == "work_orders") & (truth["kind"] == "malformed_line")]
    for row in orders.itertuples():
        text = (demo_city / row.file).read_text(encoding="utf-8").splitlines()[int(row.line) - 1]
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)


def test_no_defects_when_rate_is_zero(tmp_path: Path) -> None:
    generate(tmp_path, scale=0.01, days=1, start=dt.date(2026, 10, 1), seed=3, defect_rate=0)
    assert len(pd.read_csv(tmp_path / "_ground_truth/defects.csv")) == 0
