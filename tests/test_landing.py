"""Landing and loading files into a real DuckDB warehouse: nothing lost, nothing twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest

from orchestration.contracts import load_contracts
from orchestration.ingest.delivery import extract
from orchestration.landing.errors import DeliveryError, DeliveryMissing
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths

DAY = dt.date(2026, 9, 30)
CONTRACTS = {c.key: c for c in load_contracts([BUILTIN_CONTRACTS_DIR])}


def manifest(con, dataset: str) -> list[tuple]:
    return con.execute(
        "select status, rows_read, rows_loaded, rows_quarantined, message "
        "from raw._manifest where dataset = ? order by landed_at, status",
        [dataset],
    ).fetchall()


def test_malformed_line_is_quarantined_with_its_line_and_the_rest_loads(
    demo_home: Paths, con
) -> None:
    [result] = extract(con, CONTRACTS["health__outpatient_visits"], DAY, demo_home)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert result.rows_quarantined >= 1
    quarantined = con.execute(
        "select row_number, rule, record_masked from raw._quarantine"
    ).fetchall()
    truth = [
        line
        for line in (demo_home.democity / "_ground_truth/defects.csv").read_text().splitlines()
        if "outpatient_visits/2026-09-30" in line and "malformed_line" in line
    ]
    truth_lines = sorted(int(t.split(",")[4]) for t in truth)
    assert sorted(r[0] for r in quarantined) == truth_lines
    assert all(r[1].startswith("malformed_line") for r in quarantined)
    loaded_lines = con.execute(
        "select min(_row_number), max(_row_number), count(*) from raw.health__outpatient_visits"
    ).fetchone()
    assert loaded_lines == (2, result.rows_read + 1, result.rows_loaded)


def test_gbk_text_arrives_intact(demo_home: Paths, con) -> None:
    extract(con, CONTRACTS["health__hospitals"], DAY, demo_home)
    names = [
        n for (n,) in con.execute("select hospital_name from raw.health__hospitals").fetchall()
    ]
    assert names and all(n.startswith("江城市第") for n in names)


def test_personal_identifiers_never_reach_the_raw_table(
    demo_home: Paths, con, pseudonym_key: bytes
) -> None:
    extract(con, CONTRACTS["health__outpatient_visits"], DAY, demo_home)
    source = (
        (demo_home.democity / "health/outpatient_visits/2026-09-30.csv")
        .read_bytes()
        .decode("gbk")
        .splitlines()
    )
    first = source[1].split(",")
    first_id, visited = first[4], dt.datetime.fromisoformat(first[3])
    raw = con.execute(
        "select patient_pseudonym, is_patient_id_valid, patient_age_years, patient_sex "
        "from raw.health__outpatient_visits where _row_number = 2"
    ).fetchone()
    expected = hmac.new(pseudonym_key, first_id.encode(), hashlib.sha256).hexdigest()
    assert raw[0] == expected
    assert raw[1] is True
    birth = dt.date(int(first_id[6:10]), int(first_id[10:12]), int(first_id[12:14]))
    had_birthday = (visited.month, visited.day) >= (birth.month, birth.day)
    assert raw[2] == visited.year - birth.year - (not had_birthday)
    assert raw[3] == ("male" if int(first_id[16]) % 2 else "female")
    dump = con.execute(
        "select string_agg(concat_ws('|', columns(*)), '\n') from raw.health__outpatient_visits"
    ).fetchone()[0]
    assert first_id not in dump
    bad = con.execute(
        "select count(*) from raw.health__outpatient_visits where not is_patient_id_valid"
    ).fetchone()[0]
    injected = sum(
        1
        for line in (demo_home.democity / "_ground_truth/defects.csv").read_text().splitlines()
        if "outpatient_visits/2026-09-30" in line and "bad_id" in line
    )
    assert bad == injected > 0


def test_same_delivery_is_not_loaded_twice(demo_home: Paths, con) -> None:
    contract = CONTRACTS["transport__smartcard_taps"]
    first = extract(con, contract, DAY, demo_home)[0]
    again = extract(con, contract, DAY, demo_home)[0]
    assert again.status == "skipped_duplicate"
    count = con.execute("select count(*) from raw.transport__smartcard_taps").fetchone()[0]
    assert count == first.rows_loaded


def test_corrected_delivery_replaces_the_day(home: Paths, demo_city: Path, con) -> None:
    contract = CONTRACTS["environment__air_quality_hourly"]
    target = home.democity / "environment/air_quality_hourly/2026-09-30.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(demo_city / "environment/air_quality_hourly/2026-09-30.csv", target)
    extract(con, contract, DAY, home)
    lines = target.read_text().splitlines()
    target.write_text("\n".join(lines[:101]) + "\n")  # the bureau re-sends 100 rows
    result = extract(con, contract, DAY, home)[0]
    assert result.status == "loaded" and result.rows_read == 100
    assert con.execute("select count(*) from raw.environment__air_quality_hourly").fetchone() == (
        100,
    )
    assert sorted((m[0], m[1]) for m in manifest(con, "air_quality_hourly")) == [
        ("loaded", 100),
        ("superseded", len(lines) - 1),
    ]
    landed = list((home.landing / "environment/air_quality_hourly/2026-09-30").iterdir())
    assert len(landed) == 2  # both deliveries kept


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe binary", "not valid utf-8"),
        (b"station,when,pm25\nA,2026-09-30 00:00:00,3\n", "missing required column"),
    ],
)
def test_unreadable_file_fails_with_the_file_and_the_reason(
    home: Paths, con, content: bytes, problem: str
) -> None:
    target = home.democity / "environment/air_quality_hourly/2026-09-30.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    with pytest.raises(DeliveryError) as error:
        extract(con, CONTRACTS["environment__air_quality_hourly"], DAY, home)
    assert "air_quality_hourly" in str(error.value)
    assert problem in str(error.value)
    assert manifest(con, "air_quality_hourly")[0][0] == "failed"


def test_gbk_file_declared_utf8_fails_whole(home: Paths, demo_city: Path, con) -> None:
    target = home.democity / "environment/stations.csv"
    target.parent.mkdir(parents=True)
    text = (demo_city / "environment/stations.csv").read_text(encoding="utf-8")
    target.write_bytes(text.encode("gbk"))
    with pytest.raises(DeliveryError, match="check the declared encoding"):
        extract(con, CONTRACTS["environment__stations"], DAY, home)


def test_missing_delivery_is_reported_with_its_due_time(home: Paths, con) -> None:
    with pytest.raises(DeliveryMissing, match="due by 02:00"):
        extract(con, CONTRACTS["hotline__work_orders"], DAY, home)
    assert manifest(con, "work_orders")[0][0] == "missing"


def test_a_renamed_optional_column_loads_with_drift_reported(home: Paths, con) -> None:
    target = home.democity / "tourism/hotel_occupancy/2026-09-30.csv"
    target.parent.mkdir(parents=True)
    target.write_text(
        "hotel_id,hotel_name,star_rating,community_code,rooms_total,date,"
        "rooms_occupied,guests,avg_price\nH1,a,3,339902001001,10,2026-09-30,5,7,300\n"
        "H2,b,x,339902001001,10,2026-09-30,5,7,300\n",
        encoding="utf-8",
    )
    [result] = extract(con, CONTRACTS["tourism__hotel_occupancy"], DAY, home)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert result.quarantine_rules == {"type:star_rating": 1}
    assert any("average_price_yuan" in d for d in result.drift)
    assert any("avg_price" in d for d in result.drift)


def _air_quality(home: Paths, demo_city: Path, day: dt.date = DAY) -> Path:
    """A private copy of the demo's hourly air-quality delivery, to be spoiled by a test."""
    target = home.democity / f"environment/air_quality_hourly/{day}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_city / f"environment/air_quality_hourly/{DAY}.csv", target)
    return target


def test_a_stray_quote_quarantines_every_line_it_swallows(
    home: Paths, demo_city: Path, con
) -> None:
    """An unterminated quoted field ten lines before the end: DuckDB's scan stops there without
    a word; the file's own line count says what it did not read, and those lines are
    quarantined one by one."""
    target = _air_quality(home, demo_city)
    lines = target.read_text(encoding="utf-8").splitlines()
    stray = len(lines) - 9
    lines[stray - 1] = lines[stray - 1].replace(",", ',"', 1)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [result] = extract(con, CONTRACTS["environment__air_quality_hourly"], DAY, home)
    assert result.rows_read == len(lines) - 1 == result.rows_loaded + result.rows_quarantined
    assert result.rows_quarantined == 10
    quarantined = con.execute(
        "select row_number, reason from raw._quarantine order by row_number"
    ).fetchall()
    assert [q[0] for q in quarantined] == list(range(stray, len(lines) + 1))
    assert f"lines {stray}–{len(lines)} were not read" in quarantined[0][1]
    assert manifest(con, "air_quality_hourly")[0][:4] == (
        "loaded",
        len(lines) - 1,
        len(lines) - 11,
        10,
    )


def test_a_stray_quote_early_in_the_file_fails_it_naming_the_line(
    home: Paths, demo_city: Path, con
) -> None:
    """On line 11 it swallows most of the file: past the contract's reject share the delivery
    fails whole, naming the line where reading stopped (it used to load 9 rows, silently)."""
    target = _air_quality(home, demo_city)
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[10] = lines[10].replace(",", ',"', 1)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DeliveryError, match="line 11") as error:
        extract(con, CONTRACTS["environment__air_quality_hourly"], DAY, home)
    assert f"{len(lines) - 10} of {len(lines) - 1} rows cannot be read" in str(error.value)
    assert manifest(con, "air_quality_hourly")[0][0] == "failed"


def test_old_mac_line_endings_load_every_row(home: Paths, demo_city: Path, con) -> None:
    target = _air_quality(home, demo_city)
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_bytes(("\r".join(lines) + "\r").encode("utf-8"))
    [result] = extract(con, CONTRACTS["environment__air_quality_hourly"], DAY, home)
    assert (result.rows_read, result.rows_loaded) == (len(lines) - 1, len(lines) - 1)
    assert con.execute(
        "select min(_row_number), max(_row_number) from raw.environment__air_quality_hourly"
    ).fetchone() == (2, len(lines))


def test_a_delivery_no_reader_foresaw_is_recorded_naming_the_file(
    home: Paths, demo_city: Path, con
) -> None:
    """Mixed line endings and a NUL-laden, half-binary tail: whatever the readers make of it,
    the outcome is in the manifest with the file named, never only a traceback."""
    target = _air_quality(home, demo_city)
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_bytes(
        ("\r\n".join(lines[:5]) + "\r" + "\n".join(lines[5:])).encode() + b"\xff\x00"
    )
    with pytest.raises(DeliveryError) as error:
        extract(con, CONTRACTS["environment__air_quality_hourly"], DAY, home)
    [(status, message)] = con.execute("select status, message from raw._manifest").fetchall()
    assert status == "failed" and target.name in message and str(error.value) == message


def test_an_empty_delivery_on_two_quiet_days_is_two_deliveries(home: Paths, con) -> None:
    contract = CONTRACTS["environment__air_quality_hourly"]
    for day in (DAY, DAY + dt.timedelta(days=1)):
        target = home.democity / f"environment/air_quality_hourly/{day}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("station_id,measured_at,pm25,pm10,so2,no2,o3,co\n", encoding="utf-8")
        [result] = extract(con, contract, day, home)
        assert (result.status, result.rows_read) == ("loaded", 0)
    assert [m[:2] for m in manifest(con, "air_quality_hourly")] == [("loaded", 0), ("loaded", 0)]


def test_time_zone_aware_parquet_timestamps_are_read_as_city_time(home: Paths, con) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = home.democity / f"transport/bus_gps/{DAY}.parquet"
    target.parent.mkdir(parents=True)
    utc = dt.datetime(2026, 9, 30, 0, 30, tzinfo=dt.UTC)  # 08:30 in Shanghai
    pq.write_table(
        pa.table(
            {
                "vehicle_id": ["V1"],
                "route_id": ["R1"],
                "recorded_at": pa.array([utc], pa.timestamp("us", tz="UTC")),
                "lat": [30.0],
                "lon": [120.0],
            }
        ),
        target,
    )
    extract(con, CONTRACTS["transport__bus_gps"], DAY, home)
    recorded = con.execute("select recorded_at from raw.transport__bus_gps").fetchone()[0]
    assert recorded == dt.datetime(2026, 9, 30, 8, 30)  # typed as the standard says


def test_a_first_large_delivery_is_seen_by_the_checks_that_follow_it(home: Paths, con) -> None:
    """The first load of a raw table creates it in the load's transaction; a delivery larger
    than DuckDB's row group (122,880 rows) is written straight to disk there. The same
    connection, which runs the source suites next, must see every row of it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 300_000
    target = home.democity / f"transport/bus_gps/{DAY}.parquet"
    target.parent.mkdir(parents=True)
    start = dt.datetime(2026, 9, 30, 8)
    pq.write_table(
        pa.table(
            {
                "vehicle_id": pa.array([f"V{i % 500}" for i in range(rows)]),
                "route_id": pa.array(["R1"] * rows),
                "recorded_at": pa.array([start + dt.timedelta(seconds=i) for i in range(rows)]),
                "lat": pa.array([30.0] * rows),
                "lon": pa.array([120.0] * rows),
            }
        ),
        target,
    )
    [result] = extract(con, CONTRACTS["transport__bus_gps"], DAY, home)
    assert result.rows_loaded == rows
    assert con.execute("select count(*) from raw.transport__bus_gps").fetchone()[0] == rows


def test_quarantined_records_never_show_a_personal_value_in_any_form(home: Paths, con) -> None:
    """A hotline row with a bad timestamp keeps its record in the quarantine with the caller's
    phone and name replaced whole; a line that is not JSON is withheld whole, since any part of
    it may be personal. Phones written with hyphens, spaces or +86 are masked in free text; a
    division code, though a long number, is shown as delivered."""
    target = home.democity / f"hotline/work_orders/{DAY}.jsonl"
    target.parent.mkdir(parents=True)
    good = {"order_id": "W1", "received_at": "2026-09-30 08:00:00", "caller_phone": "13800138000"}
    rows = [
        good,
        good | {"order_id": "W2", "caller_phone": "138-0013-8000", "caller_name": "王小明"},
        good
        | {
            "order_id": "W3",
            "received_at": "yesterday",
            "caller_phone": "138 0013 8000",
            "caller_name": "王小明",
            "community_code": "330106001001",
            "content": "回电 +8613800138000 或 138-0013-8000",
        },
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + [
        '{"order_id": "W4", 王小明 138-0013-8000'
    ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [result] = extract(con, CONTRACTS["hotline__work_orders"], DAY, home)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    records = dict(con.execute("select row_number, record_masked from raw._quarantine").fetchall())
    assert records[4] == "<withheld: personal data>"
    assert "<personal>" in records[3] and "W3" in records[3]
    assert "330106001001" in records[3], "a division code is no personal value: shown as delivered"
    for text in records.values():
        assert not any(s in text for s in ("0013", "8000", "王小明", "13800138000"))


def test_free_text_that_starts_like_a_formula_is_flagged_by_the_source_suite(
    home: Paths, con
) -> None:
    from orchestration.quality.sources import run_source_checks

    target = home.democity / f"hotline/work_orders/{DAY}.jsonl"
    target.parent.mkdir(parents=True)
    rows = [
        {"order_id": f"W{n}", "received_at": "2026-09-30 08:00:00", "content": text}
        for n, text in enumerate(["路灯不亮", "=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"])
    ]
    target.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    contract = CONTRACTS["hotline__work_orders"]
    extract(con, contract, DAY, home)
    records = run_source_checks(con, contract, DAY, {contract.key: "raw/hotline/work_orders"})
    [flag] = [r for r in records if r.check_name == "content_not_formula_like"]
    assert not flag.passed and flag.failed == 2 and flag.severity == "warn"


def test_an_empty_row_inside_a_sheet_does_not_end_the_table(
    home: Paths, demo_city: Path, con
) -> None:
    """DuckDB's xlsx reader stops at the first empty row: every row after it was lost without
    a word. The sheet is read whole; its own XML says how many rows hold values."""
    from orchestration.warehouse import load_extension

    contract = CONTRACTS["civil_affairs__population"]
    source = demo_city / "civil_affairs/population.xlsx"
    target = home.democity / "civil_affairs/population.xlsx"
    target.parent.mkdir(parents=True)
    load_extension(con, "excel")
    sheet = contract.sheet
    read = f"read_xlsx('{source}', sheet = '{sheet}', all_varchar = true)"
    rows = con.execute(f"select count(*) from {read}").fetchone()[0]
    names = [r[0] for r in con.execute(f"describe select * from {read}").fetchall()]
    empty = ", ".join(f'null::varchar as "{n}"' for n in names)
    con.execute(
        f"""copy (select * from (from {read} limit 10) union all select {empty}
                  union all select * from (from {read} offset 10))
            to '{target}' (format xlsx, header true, sheet '{sheet}')"""
    )
    [result] = extract(con, contract, DAY, home)
    assert (result.rows_read, result.rows_loaded) == (rows, rows)
    lines = [
        r
        for (r,) in con.execute("select _row_number from raw.civil_affairs__population").fetchall()
    ]
    assert sorted(lines) == [*range(2, 12), *range(13, rows + 3)]  # row 12 is the empty one
