"""The blocking scans on files about to be published, with identifiers planted on purpose, and
the openness rule that keeps person-level sources from being published unsuppressed."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import duckdb
import pytest

from orchestration.contracts import load_contracts
from orchestration.publish.datasets import Suppression, check_openness, dataset
from orchestration.publish.run import spreadsheet_safe
from orchestration.publish.scan import scan_for_personal_data, scan_small_cells

VALID_ID = "11010519491231002X"  # GB 11643 check character X is correct for these 17 digits
WRONG_CHECK = "110105194912310021"


def write_csv(path: Path, text: str) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        (f"申请人{VALID_ID}已办结", "resident ID number"),
        ("联系电话13812345678", "mobile number"),
        ("联系电话138-0013-8000", "mobile number"),
        ("call 138 0013 8000 today", "mobile number"),
        ("+8613800138000", "mobile number"),
        ("+86 138-0013-8000", "mobile number"),
        ("110105 19491231 002X", "resident ID number"),
        ("证件号110105-1949-1231-002x", "resident ID number"),
        ("旧证110105491231002", "resident ID number"),  # the 15-digit form of before 1999
        ("a" * 8 + "0123456789abcdef" * 3 + "01234567", "pseudonym"),
        ("110105199001011005.0", "resident ID number"),  # an ID stored as a number: still found
    ],
)
def test_planted_identifiers_are_found(tmp_path: Path, cell: str, found: str) -> None:
    path = write_csv(tmp_path / "d.csv", f"district,note,orders\n江北区,{cell},12\n")
    result = scan_for_personal_data(duckdb.connect(), path)
    assert not result.passed
    assert result.detail == [f"{found} in column note"]


def test_clean_aggregates_and_near_misses_pass(tmp_path: Path) -> None:
    # An 18-digit number with a wrong check digit, a 12-digit division code and a landline are
    # not personal identifiers.
    # Nor is a mean written with 15 decimals (one of Beijing's real daily PM2.5 means).
    path = write_csv(
        tmp_path / "d.csv",
        f"code,ref,phone,orders,mean\n330102001001,{WRONG_CHECK},057187654321,12,"
        "13.590909090909092\n",
    )
    result = scan_for_personal_data(duckdb.connect(), path)
    assert result.passed, result.detail


def test_personal_data_columns_are_refused_even_when_empty(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", "date_day,patient_name,visits\n2026-10-01,,12\n")
    result = scan_for_personal_data(duckdb.connect(), path)
    assert result.detail == ["personal-data column patient_name"]


def test_parquet_is_scanned_too(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    duckdb.connect().execute(
        f"copy (select '13912345678' as note, 5 as n) to '{path}' (format parquet)"
    )
    assert not scan_for_personal_data(duckdb.connect(), path).passed


def test_small_cells_and_lone_withheld_cells_fail(tmp_path: Path) -> None:
    rule = Suppression(column="visits", min_count=10, group_by=["hospital_id"])
    con = duckdb.connect()
    ok = write_csv(tmp_path / "ok.csv", "hospital_id,dept,visits\nH1,a,\nH1,b,\nH1,c,30\n")
    assert scan_small_cells(con, ok, rule).passed
    small = write_csv(tmp_path / "s.csv", "hospital_id,dept,visits\nH1,a,9\nH1,b,30\n")
    assert scan_small_cells(con, small, rule).findings == 1
    lone = write_csv(tmp_path / "l.csv", "hospital_id,dept,visits\nH1,a,\nH1,b,30\nH1,c,40\n")
    result = scan_small_cells(con, lone, rule)
    assert not result.passed and "one withheld cell" in result.detail[0]


def test_an_unsuppressed_aggregate_of_a_closed_source_may_not_be_opened() -> None:
    contracts = load_contracts()
    visits = dataset("outpatient-visits-daily")  # built from not_open outpatient visits
    check_openness(visits, contracts)  # suppressed: allowed
    with pytest.raises(ValueError, match="raw/health/outpatient_visits"):
        check_openness(dataclasses.replace(visits, suppression=None), contracts)
    aqi = dataset("station-aqi-daily")  # every source unconditional: no suppression needed
    assert aqi.suppression is None
    check_openness(aqi, contracts)


def test_published_csv_cells_that_start_like_formulas_are_neutralised(tmp_path: Path) -> None:
    """Bureau text beginning with = + - @ (a formula to Excel) is written with a leading
    apostrophe in the CSV download, as OWASP recommends; numbers and ordinary text are untouched."""
    con = duckdb.connect()
    attacks = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]
    con.execute("create table t (name varchar, n integer)")
    con.executemany("insert into t values (?, ?)", [[a, -1] for a in attacks] + [["江北区", 7]])
    path = tmp_path / "d.csv"
    con.execute(f"copy ({spreadsheet_safe(con, 'select * from t')}) to '{path}' (header)")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == ["'" + a for a in attacks] + ["江北区"]
    assert {r["n"] for r in rows} == {"-1", "7"}
