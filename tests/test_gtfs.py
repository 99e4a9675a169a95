"""The GTFS connector on a real feed (Caltrain, 2017) and on broken ones."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from orchestration.contracts import load_contracts
from orchestration.ingest.delivery import extract
from orchestration.landing.errors import DeliveryError
from orchestration.landing.schema import ensure_raw_tables
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths
from tests.conftest import SHARED_DATA
from tests.warehouse import dbt_build, query

DAY = dt.date(2017, 7, 24)
GTFS = next(c for c in load_contracts([BUILTIN_CONTRACTS_DIR]) if c.format == "gtfs")
CALTRAIN = SHARED_DATA / "gtfs" / "caltrain-2017-07-24.zip"
needs_caltrain = pytest.mark.skipif(
    not CALTRAIN.is_file(),
    reason=f"the real Caltrain feed is not at {CALTRAIN} (../shared/data beside the clone)",
)


def deliver(home: Paths, source: Path) -> Path:
    target = home.democity / "transport/gtfs/gtfs.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


@needs_caltrain
def test_a_real_feed_loads_every_reference_file(home: Paths, con) -> None:
    deliver(home, CALTRAIN)
    results = {r.raw_table: r for r in extract(con, GTFS, DAY, home)}
    with zipfile.ZipFile(CALTRAIN) as archive:
        stop_times = archive.read("stop_times.txt").decode().strip().splitlines()
    assert results["transport__gtfs__stop_times"].rows_loaded == len(stop_times) - 1
    assert {
        "agency",
        "stops",
        "routes",
        "trips",
        "stop_times",
        "calendar",
        "calendar_dates",
        "shapes",
        "fare_attributes",
        "fare_rules",
    } == {t.removeprefix("transport__gtfs__") for t in results}
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in results.values())
    exceptions = con.execute(
        "select count(*) from raw.transport__gtfs__calendar_dates where exception_type = '2'"
    ).fetchone()[0]
    assert exceptions > 0
    extras = [d for r in results.values() for d in r.drift if "outside the GTFS reference" in d]
    assert extras and "realtime_trips.txt" in extras[0]


def test_demo_feed_has_times_past_midnight(demo_home: Paths, con) -> None:
    extract(con, GTFS, dt.date(2026, 9, 30), demo_home)
    latest = con.execute(
        "select max(departure_time) from raw.transport__gtfs__stop_times"
    ).fetchone()[0]
    assert latest > "24:00:00"


@needs_caltrain
def test_a_truncated_zip_fails_naming_the_file(home: Paths, con, tmp_path: Path) -> None:
    broken = tmp_path / "gtfs.zip"
    broken.write_bytes(CALTRAIN.read_bytes()[:30_000])
    deliver(home, broken)
    with pytest.raises(DeliveryError, match=r"gtfs\.zip.*(zip|truncated)"):
        extract(con, GTFS, DAY, home)


@needs_caltrain
def test_a_zip_without_required_files_is_not_a_feed(home: Paths, con, tmp_path: Path) -> None:
    partial = tmp_path / "gtfs.zip"
    with zipfile.ZipFile(CALTRAIN) as source, zipfile.ZipFile(partial, "w") as target:
        for name in ("agency.txt", "stops.txt", "routes.txt"):
            target.writestr(name, source.read(name))
    deliver(home, partial)
    with pytest.raises(DeliveryError, match=r"required file\(s\) missing.*trips\.txt"):
        extract(con, GTFS, DAY, home)


@needs_caltrain
def test_a_feed_without_calendar_dates_empties_that_table(home: Paths, con, tmp_path) -> None:
    without = tmp_path / "no-calendar-dates.zip"
    with zipfile.ZipFile(CALTRAIN) as source, zipfile.ZipFile(without, "w") as target:
        for name in source.namelist():
            if name != "calendar_dates.txt":
                target.writestr(name, source.read(name))
    deliver(home, CALTRAIN)
    extract(con, GTFS, DAY, home)
    deliver(home, without)
    extract(con, GTFS, DAY + dt.timedelta(days=1), home)
    assert con.execute("select count(*) from raw.transport__gtfs__calendar_dates").fetchone() == (
        0,
    )


def _caltrain_trips_on(day: dt.date) -> tuple[dict[str, int], dict[str, int]]:
    """Trips and last first-departure (seconds) per route, straight from the zip with pandas."""
    with zipfile.ZipFile(CALTRAIN) as archive:
        read = lambda name: pd.read_csv(archive.open(name), dtype=str)  # noqa: E731
        calendar, dates = read("calendar.txt"), read("calendar_dates.txt")
        trips, stop_times = read("trips.txt"), read("stop_times.txt")
    ymd = day.strftime("%Y%m%d")
    weekday = calendar.columns[1 + day.weekday()]
    running = set(
        calendar.loc[
            (calendar[weekday] == "1")
            & (calendar["start_date"] <= ymd)
            & (calendar["end_date"] >= ymd),
            "service_id",
        ]
    )
    today = dates[dates["date"] == ymd]
    running = (running - set(today.loc[today["exception_type"] == "2", "service_id"])) | set(
        today.loc[today["exception_type"] == "1", "service_id"]
    )
    day_trips = trips[trips["service_id"].isin(running)]
    h, m, s = (stop_times["departure_time"].str.split(":", expand=True).astype(int)).T.values
    stop_times["seconds"] = h * 3600 + m * 60 + s
    first = stop_times.groupby("trip_id")["seconds"].min()
    day_trips = day_trips.assign(first=day_trips["trip_id"].map(first))
    grouped = day_trips.groupby("route_id")
    return grouped.size().to_dict(), grouped["first"].max().to_dict()


CALTRAIN_CONTRACT = """
dataset: gtfs
bureau: transport
replaces: true
title: 加州火车时刻表
title_en: Caltrain schedule
description: Caltrain's published GTFS feed of 2017-07-24, in place of the demo city's.
contact: Caltrain (via remix/partridge, MIT)
format: gtfs
location: ${CITYBASE_TEST_GTFS}/caltrain-2017-07-24.zip
openness: unconditional
update_frequency: on_change
expected_delivery: "01:00"
"""


@needs_caltrain
def test_a_real_feed_replaces_the_built_in_one_by_contract(
    home: Paths, con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caltrain on Tuesday 2017-07-25, onboarded by an operator's contract that replaces the
    built-in GTFS source (no file copied over the demo's), built on the feed's own dates in a
    city with no division register: scheduled trips agree with pandas reading the zip, and every
    stop is in dim_stop, placed nowhere."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "gtfs.yaml").write_text(CALTRAIN_CONTRACT, encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    monkeypatch.setenv("CITYBASE_TEST_GTFS", str(CALTRAIN.parent))
    monkeypatch.setenv("CITYBASE_DATA_ROOTS", str(CALTRAIN.parent))
    monkeypatch.setenv("CITYBASE_FIRST_DAY", "2017-01-01")
    [contract] = [c for c in load_contracts() if c.key == "transport__gtfs"]
    assert contract.title_en == "Caltrain schedule"
    extract(con, contract, DAY, home)
    ensure_raw_tables(con)
    con.close()
    tuesday = dt.date(2017, 7, 25)
    dbt_build(
        home, "+fct_scheduled_service_daily +dim_route +dim_stop", run_date=tuesday.isoformat()
    )
    rows = query(
        home,
        "select route_id, trips, last_departure_seconds from marts.fct_scheduled_service_daily "
        "where date_day = ?",
        [tuesday],
    )
    trips, last_departure = _caltrain_trips_on(tuesday)
    assert {r[0]: r[1] for r in rows} == trips
    assert {r[0]: r[2] for r in rows} == last_departure
    assert sum(trips.values()) > 50
    with zipfile.ZipFile(CALTRAIN) as archive:
        stops = len(pd.read_csv(archive.open("stops.txt"), dtype=str))
    assert query(home, "select count(*), count(community_code) from marts.dim_stop") == [(stops, 0)]


def _rezipped(path: Path, renamed: dict[str, str], extra: dict[str, bytes] | None = None) -> Path:
    """The Caltrain feed with members renamed (or dropped, renamed to '') and members added."""
    with (
        zipfile.ZipFile(CALTRAIN) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            if renamed.get(name, name):
                target.writestr(renamed.get(name, name), source.read(name))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return path


@needs_caltrain
@pytest.mark.parametrize(
    ("renamed", "extra", "problem"),
    [
        ({"stops.txt": "../stops.txt"}, None, "unsafe member name '../stops.txt'"),
        ({"agency.txt": "/agency.txt"}, None, "unsafe member name '/agency.txt'"),
        ({}, {"old/stops.txt": b"stop_id\nS1\n"}, "holds ['stops.txt'] more than once"),
        ({"stops.txt": ""}, {"stops.txt": b"stop_id,stop_name\n"}, "without records"),
        # 64 MiB of one repeated byte compresses about 1,000 times: a zip bomb's profile
        ({}, {"notes.txt": b"0" * (64 << 20)}, "inflates"),
    ],
)
def test_a_hostile_archive_is_refused_before_anything_is_extracted(
    home: Paths, con, tmp_path: Path, renamed, extra, problem
) -> None:
    deliver(home, _rezipped(tmp_path / "gtfs.zip", renamed, extra))
    with pytest.raises(DeliveryError) as error:
        extract(con, GTFS, DAY, home)
    assert "gtfs.zip" in str(error.value) and problem in str(error.value)
    assert con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' "
        "and table_name like 'transport__gtfs__%'"
    ).fetchone() == (0,)


@needs_caltrain
def test_an_archive_larger_than_the_limit_is_refused(
    home: Paths, con, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CITYBASE_GTFS_MAX_BYTES", str(CALTRAIN.stat().st_size))
    deliver(home, CALTRAIN)
    with pytest.raises(DeliveryError, match="CITYBASE_GTFS_MAX_BYTES"):
        extract(con, GTFS, DAY, home)


@needs_caltrain
def test_a_namespace_prefixes_a_feeds_ids(home: Paths, con, tmp_path: Path, monkeypatch) -> None:
    """A second city's feed beside the first: its ids carry its namespace, its numbers do not."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    text = CALTRAIN_CONTRACT.replace("dataset: gtfs\n", "dataset: caltrain\nnamespace: ct\n")
    (folder / "caltrain.yaml").write_text(text.replace("replaces: true\n", ""), encoding="utf-8")
    monkeypatch.setenv("CITYBASE_CONTRACTS", str(folder))
    monkeypatch.setenv("CITYBASE_TEST_GTFS", str(CALTRAIN.parent))
    monkeypatch.setenv("CITYBASE_DATA_ROOTS", str(CALTRAIN.parent))
    [contract] = [c for c in load_contracts() if c.key == "transport__caltrain"]
    extract(con, contract, DAY, home)
    trips = con.execute(
        "select count(*), count(*) filter (where starts_with(trip_id, 'ct:') and "
        "starts_with(route_id, 'ct:') and starts_with(service_id, 'ct:')), "
        "count(*) filter (where direction_id in (0, 1)) from raw.transport__gtfs__trips"
    ).fetchone()
    assert trips[0] == trips[1] == trips[2] > 0
    [joined, stop_times] = con.execute(
        "select count(s.stop_id), count(*) from raw.transport__gtfs__stop_times t "
        "left join raw.transport__gtfs__stops s using (stop_id)"
    ).fetchone()
    assert joined == stop_times > 0  # references within the feed still resolve
