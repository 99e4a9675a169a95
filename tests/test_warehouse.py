"""The warehouse on a small city whose numbers are worked out by hand.

Two districts, one community each, one bus route with two stops, three air quality stations,
one government service item. Every expected number below is computed in the comments from the
inputs (AQI from the HJ 633-2012 table), not read back from the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest

from orchestration.quality.dbt_samples import failing_samples
from orchestration.settings import Paths
from orchestration.standards import gtfs
from orchestration.warehouse import connect
from tests.conftest import TEST_KEY
from tests.warehouse import (
    dbt_build,
    dbt_docs_generate,
    dbt_test_results,
    dbt_unit_test_results,
    query,
    write_raw,
)

DAY = "2026-10-12"  # a Monday; 10-10 (Saturday) was a make-up workday for National Day
D1, D2 = "339902000000", "339903000000"
C1, C2 = "339902001001", "339903001001"
MARTS = " ".join(
    f"+{m}"
    for m in (
        "fct_air_quality_hourly",
        "fct_air_quality_daily",
        "fct_air_quality_district_daily",
        "fct_transit_boardings_hourly",
        "fct_transit_od_daily",
        "fct_bus_punctuality_daily",
        "fct_scheduled_service_daily",
        "fct_service_applications",
    )
)


def _divisions(con) -> None:
    rows = [
        ("339900000000", "江城市", "city", None, 30.0, 114.005),
        (D1, "一区", "district", "339900000000", 30.0, 114.0),
        (D2, "二区", "district", "339900000000", 30.0, 114.01),
        ("339902001000", "一街道", "subdistrict", D1, 30.0, 114.0),
        ("339903001000", "二街道", "subdistrict", D2, 30.0, 114.01),
        (C1, "一社区", "community", "339902001000", 30.0, 114.0),
        (C2, "二社区", "community", "339903001000", 30.0, 114.01),
    ]
    keys = [
        "division_code",
        "division_name",
        "level",
        "parent_code",
        "centroid_lat",
        "centroid_lon",
    ]
    write_raw(con, "civil_affairs__divisions", [dict(zip(keys, r, strict=True)) for r in rows], DAY)
    write_raw(
        con,
        "civil_affairs__population",
        [
            dict(
                community_code=code,
                year="2026",
                resident_population=str(n),
                households="1",
                population_0_14="0",
                population_15_59=str(n),
                population_60_plus="0",
            )
            for code, n in ((C1, 1000), (C2, 2000))
        ],
        DAY,
    )


def _air_quality(con) -> None:
    write_raw(
        con,
        "environment__stations",
        [
            dict(
                station_id=s,
                station_name=s,
                division_code=d,
                station_type="城市评价点",
                lat="30.0",
                lon="114.0",
            )
            for s, d in (("S1", "339902001000"), ("S2", "339902001000"), ("S3", "339903001000"))
        ],
        DAY,
    )
    s1_cases = {
        0: (35, 50, 150, 100, 160, 5),  # every IAQI exactly 50: AQI 50, no primary pollutant
        1: (80, 100, 10, 40, 100, 1.0),  # PM2.5 50/40*5+100 = 106.25 -> 107
        2: (600, 50, 10, 40, 100, 1.0),  # PM2.5 above the top breakpoint -> 500
        3: (75, 150, 10, 40, 100, 1.0),  # PM2.5 and PM10 both 100: two primary pollutants
        4: (115, 50, 10, 40, 100, 1.0),  # on the 150 breakpoint: 轻度污染
        5: (115.4, 50, 10, 40, 100, 1.0),  # 50/35*0.4+150 = 150.57 -> 151: 中度污染
        22: (80, 100, None, 40, 100, 1.0),  # no SO2 value: no SO2 index, not the trailing mean
    }
    rows = []
    for hour in range(24):
        at = f"{DAY} {hour:02d}:00:00"
        pm25, pm10, so2, no2, o3, co = s1_cases.get(hour, (80, 100, 10, 40, 100, 1.0))
        rows.append(
            dict(
                station_id="S1",
                measured_at=at,
                pm25=pm25,
                pm10=pm10,
                so2=so2,
                no2=no2,
                o3=o3,
                co=co,
            )
        )
        rows.append(
            dict(
                station_id="S2",
                measured_at=at,
                pm25=40,
                pm10=60,
                so2=20,
                no2=30,
                o3=200 if 10 <= hour <= 17 else 0,
                co=0.5,
            )
        )
        rows.append(
            dict(
                station_id="S3",
                measured_at=at,
                pm25=10,
                pm10=20,
                so2=900 if hour == 23 else 100,
                no2=20,
                o3=900 if 12 <= hour <= 19 else 0,
                co=0.2,
            )
        )
    rows.append(dict(rows[-1]))  # an exact re-sent hour: counted once
    write_raw(
        con,
        "environment__air_quality_hourly",
        [{k: None if v is None else str(v) for k, v in r.items()} for r in rows],
        DAY,
    )


def _gtfs(con, stem: str, rows: list[dict]) -> None:
    """A GTFS table as the connector loads it: every reference column, absent ones empty."""
    columns = [c.name for c in gtfs.REFERENCE[stem].columns()]
    write_raw(con, f"transport__gtfs__{stem}", [{c: r.get(c) for c in columns} for r in rows], DAY)


def _transport(con) -> None:
    _gtfs(
        con,
        "agency",
        [
            dict(
                agency_id="A1",
                agency_name="公交",
                agency_url="https://bus.example.cn",
                agency_timezone="Asia/Shanghai",
            )
        ],
    )
    _gtfs(
        con,
        "stops",
        [
            dict(
                stop_id="A",
                stop_name="甲站",
                stop_lat="30.0001",
                stop_lon="114.0001",
                location_type="0",
            ),
            dict(
                stop_id="B",
                stop_name="乙站",
                stop_lat="30.0001",
                stop_lon="114.0101",
                location_type="0",
            ),
        ],
    )
    _gtfs(
        con, "routes", [dict(route_id="R1", agency_id="A1", route_short_name="1路", route_type="3")]
    )
    _gtfs(
        con,
        "trips",
        [dict(route_id="R1", service_id="WD", trip_id=t, direction_id="0") for t in ("T1", "T2")],
    )
    _gtfs(
        con,
        "stop_times",
        [
            dict(trip_id=t, stop_sequence=str(q), stop_id=s, arrival_time=tm, departure_time=tm)
            for t, q, s, tm in (
                ("T1", 1, "A", "08:00:00"),
                ("T1", 2, "B", "08:05:00"),
                ("T2", 1, "A", "24:10:00"),
                ("T2", 2, "B", "24:15:00"),
            )
        ],
    )
    _gtfs(
        con,
        "calendar",
        [
            dict(
                service_id="WD",
                monday="1",
                tuesday="1",
                wednesday="1",
                thursday="1",
                friday="1",
                saturday="0",
                sunday="0",
                start_date="20261001",
                end_date="20261231",
            )
        ],
    )
    _gtfs(con, "calendar_dates", [dict(service_id="WD", date="20261013", exception_type="2")])
    taps = [
        ("c1", f"{DAY} 08:00:30", "board", "A", "2.00"),
        ("c1", f"{DAY} 08:05:40", "alight", "B", "0.00"),  # a journey D1 -> D2, 5m10s
        ("c2", f"{DAY} 08:01:00", "board", "A", "2.00"),
        ("c2", f"{DAY} 08:01:00", "board", "A", "2.00"),  # the validator sent it twice
        ("c3", f"{DAY} 09:10:00", "board", "B", "2.00"),
    ]
    write_raw(con, "transport__smartcard_taps", [_tap(*t) for t in taps], DAY)
    write_raw(
        con,
        "transport__smartcard_taps",
        [_tap("c4", "2026-10-11 10:00:00", "board", "A", "2.00")],
        "2026-10-11",
    )
    fixes = [
        ("T1", f"{DAY} 08:00:50", "30.0001", "114.0001"),  # at A, 50 s late: on time
        ("T1", f"{DAY} 08:03:00", "30.0001", "114.0051"),  # between stops: no arrival
        ("T1", f"{DAY} 08:11:30", "30.0001", "114.0101"),  # at B, 390 s late: late
        ("T2", "2026-10-13 00:10:20", "30.0001", "114.0001"),  # after midnight, 20 s late
        (None, f"{DAY} 09:00:00", "30.0001", "114.0001"),  # no trip: cannot be matched
    ]
    write_raw(
        con,
        "transport__bus_gps",
        [
            dict(
                vehicle_id="V1",
                route_id="R1",
                trip_id=t,
                recorded_at=at,
                lat=la,
                lon=lo,
                speed_kmh="20",
            )
            for t, at, la, lo in fixes
        ],
        DAY,
    )


def _tap(card: str, at: str, kind: str, stop: str, amount: str) -> dict:
    return dict(
        card_id=card,
        tapped_at=at,
        tap_type=kind,
        route_id="R1",
        direction_id="0",
        stop_id=stop,
        amount_yuan=amount,
    )


def _gov_services(con) -> None:
    write_raw(
        con,
        "gov_services__service_items",
        [
            dict(
                item_code="I1",
                item_name="登记",
                department="民政局",
                statutory_limit_days="5",
                promised_limit_days="3",
                online_available="1",
            )
        ],
        DAY,
    )
    applications = [
        # accepted Wed 09-30; 10-01..10-07 are holidays; 10-08, 10-09 work: 2 working days
        ("P1", "online", "2026-09-30 09:00:00", "2026-09-30 10:00:00", "2026-10-09 16:00:00"),
        # accepted Fri 10-09; Sat 10-10 is a make-up workday, Sun 10-11 is not: 2 working days
        ("P2", "window", "2026-10-09 09:00:00", "2026-10-09 09:30:00", "2026-10-12 11:00:00"),
        # completed before it was accepted: no processing time
        ("P3", "window", f"{DAY} 07:00:00", f"{DAY} 08:00:00", f"{DAY} 05:00:00"),
        # accepted Tue 09-01, completed Mon 09-14: 3 + 5 + 1 = 9 working days, over the limit
        ("P4", "mobile_app", "2026-09-01 08:00:00", "2026-09-01 09:00:00", "2026-09-14 10:00:00"),
    ]
    write_raw(
        con,
        "gov_services__applications",
        [
            dict(
                id=str(i),
                application_id=a,
                item_code="I1",
                applicant_id_number="x" * 64,
                applicant_id_number_checksum_ok=True,
                applicant_id_number_birth_date=dt.date(1980, 1, 1),
                applicant_id_number_sex="female",
                applicant_id_number_region_code="339902",
                applicant_name="y" * 64,
                applicant_phone="z" * 64,
                applicant_phone_valid=True,
                channel=channel,
                community_code=C1,
                submitted_at=s,
                accepted_at=a_at,
                completed_at=c,
                status="completed",
            )
            for i, (a, channel, s, a_at, c) in enumerate(applications)
        ],
        DAY,
    )
    write_raw(
        con,
        "gov_services__ratings",
        [
            dict(
                id="1",
                application_id="P1",
                rating="5",
                rating_level="非常满意",
                rated_at="2026-10-10 10:00:00",
            ),
            dict(
                id="2",
                application_id="P2",
                rating="2",
                rating_level="不满意",
                rated_at="2026-10-12 12:00:00",
            ),
        ],
        DAY,
    )


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    home = Paths(tmp_path_factory.mktemp("small_city"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYBASE_HOME", str(home.home))
        patch.setenv("CITYBASE_PSEUDONYM_KEY", TEST_KEY)
        with connect(home.warehouse) as con:
            for write in (_divisions, _air_quality, _transport, _gov_services):
                write(con)
        dbt_build(home, MARTS, run_date=DAY)
    return home


def test_hourly_aqi_matches_the_standard_worked_by_hand(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select station_id, hour(measured_at), aqi, primary_pollutant, aqi_level, iaqi_pm10,
               iaqi_so2, iaqi_no2, iaqi_o3, iaqi_co
        from marts.fct_air_quality_hourly""",
    )
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert got[("S1", 0)][:3] == (50, None, "优")
    assert got[("S1", 1)] == (107, "PM2.5", "轻度污染", 75, 4, 20, 32, 10)
    assert got[("S1", 2)][:3] == (500, "PM2.5", "严重污染")
    assert got[("S1", 3)][:2] == (100, "PM10,PM2.5")
    assert got[("S1", 4)][:3] == (150, "PM2.5", "轻度污染")
    assert got[("S1", 5)][:3] == (151, "PM2.5", "中度污染")
    assert got[("S1", 22)][4] is None
    # SO2 100 on the 1-hour table: 100/150*50 = 33.3 -> 34. At 23:00 SO2 is 900 (> 800): the
    # 24-hour index of the trailing mean (23*100+900)/24 = 133.3 -> 50/100*83.3+50 = 91.7 -> 92.
    assert got[("S3", 0)][4] == 34
    assert got[("S3", 23)][4] == 92
    # O3 900 on the 1-hour table: 100/200*100+300 = 350.
    assert got[("S3", 12)][:3] == (350, "O3", "严重污染")
    assert len(rows) == 72  # the re-sent hour counted once


def test_daily_aqi_uses_24h_means_and_the_o3_rules(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select station_id, iaqi_pm25, iaqi_pm10, iaqi_so2, iaqi_no2, iaqi_co, iaqi_o3_1h,
               iaqi_o3_8h, aqi, primary_pollutant, aqi_level
        from marts.fct_air_quality_daily where date_day = ?""",
        [DAY],
    )
    got = {r[0]: r[1:] for r in rows}
    # S2: PM2.5 40 -> 56.25 -> 57; PM10 60 -> 55; SO2 20 -> 20; NO2 30 -> 37.5 -> 38;
    # CO 0.5 -> 12.5 -> 13; O3 1-hour max 200 -> 100; O3 8-hour max 200 (10:00-17:00)
    # on the 8-hour table (160 -> 100, 215 -> 150): 50/55*40+100 = 136.4 -> 137, the primary.
    assert got["S2"] == (57, 55, 20, 38, 13, 100, 137, 137, "O3_8h", "轻度污染")
    # S3: O3 8-hour max 900 is above 800: no 8-hour index; O3 reported by its 1-hour index 350.
    # SO2 24-hour mean 133.3 -> 92.
    assert got["S3"][2] == 92
    assert got["S3"][5:] == (350, None, 350, "O3_1h", "严重污染")
    district = query(
        small_city,
        """
        select aqi, primary_pollutant from marts.fct_air_quality_district_daily
        where district_code = ? and date_day = ?""",
        [D2, DAY],
    )
    assert district == [(350, "O3_1h")]  # D2 has only S3


def test_ridership_counts_each_tap_once(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select hour_of_day, stop_id, boardings, alightings, fare_revenue_yuan, district_code
        from marts.fct_transit_boardings_hourly where date_day = ? order by 1, 2""",
        [DAY],
    )
    assert rows == [(8, "A", 2, 0, 4.0, D1), (8, "B", 0, 1, 0.0, D2), (9, "B", 1, 0, 2.0, D2)]
    od = query(small_city, "select * from marts.fct_transit_od_daily where date_day = ?", [DAY])
    assert [(r[1], r[2], r[3]) for r in od] == [(D1, D2, 1)]
    assert od[0][4] == pytest.approx(310 / 60)


def test_punctuality_compares_gps_with_the_timetable(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select trips_observed, stop_arrivals_observed, stop_arrivals_on_time,
               stop_arrivals_early, stop_arrivals_late, on_time_share, mean_delay_seconds
        from marts.fct_bus_punctuality_daily where date_day = ? and route_id = 'R1'""",
        [DAY],
    )
    assert rows[0][:5] == (2, 3, 2, 0, 1)
    assert rows[0][5] == pytest.approx(2 / 3)
    assert rows[0][6] == pytest.approx((50 + 390 + 20) / 3)


def test_scheduled_service_follows_the_calendar(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select date_day, trips, service_hours, first_departure_time, last_departure_time,
               headway_am_peak_minutes, headway_midday_minutes
        from marts.fct_scheduled_service_daily order by date_day""",
    )
    by_day = {str(r[0]): r[1:] for r in rows}
    assert by_day[DAY][:4] == (2, pytest.approx(600 / 3600), "08:00:00", "24:10:00")
    assert by_day[DAY][4:] == (120.0, None)  # one departure in 07-09, none in 09-17
    assert "2026-10-13" not in by_day  # removed by calendar_dates; and after run_date anyway
    assert "2026-10-10" not in by_day  # a Saturday: the WD service does not run
    assert "2026-10-09" in by_day


def test_processing_days_count_working_days_of_the_chinese_calendar(small_city: Paths) -> None:
    rows = query(
        small_city,
        """
        select application_id, processing_working_days, is_on_time, is_within_promise,
               has_impossible_times, is_online, is_good_rating
        from marts.fct_service_applications order by 1""",
    )
    assert rows == [
        ("P1", 2, True, True, False, True, True),
        ("P2", 2, True, True, False, False, False),
        ("P3", None, None, None, True, False, None),
        ("P4", 9, False, False, False, True, None),
    ]


@pytest.mark.slow  # dbt builds of several nights: make test, not the inner loop
def test_building_a_day_touches_that_day_the_day_before_and_the_days_it_was_late_for(
    small_city: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBASE_HOME", str(small_city.home))
    taps_models = (
        "int_transit_taps_deduplicated int_transit_journeys_paired fct_transit_boardings_hourly"
    )
    with connect(small_city.warehouse) as con:
        write_raw(
            con,
            "transport__smartcard_taps",
            [
                _tap("c7", "2026-10-09 09:00:00", "board", "C", "2.00"),
                _tap("c9", "2026-10-09 00:10:00", "alight", "B", "0.00"),
            ],
            "2026-10-09",
        )
    dbt_build(small_city, taps_models, run_date="2026-10-09")
    with connect(small_city.warehouse) as con:
        con.execute(
            "update marts.fct_transit_boardings_hourly set boardings = 999 "
            "where date_day in ('2026-10-09', '2026-10-12')"
        )
        write_raw(
            con,
            "transport__smartcard_taps",
            [
                _tap("c5", "2026-10-11 08:30:00", "board", "A", "2.00"),  # late for 10-11
                _tap("c6", "2026-10-13 07:00:00", "board", "B", "2.00"),
                # late for 10-08: a journey that alighted on 10-09, a day not rebuilt
                _tap("c9", "2026-10-08 23:50:00", "board", "A", "2.00"),
            ],
            "2026-10-13",
        )
    dbt_build(small_city, taps_models, run_date="2026-10-13")
    boardings = dict(
        query(
            small_city,
            """
        select date_day::varchar || ' ' || hour_of_day || ' ' || stop_id, boardings
        from marts.fct_transit_boardings_hourly""",
        )
    )
    assert boardings["2026-10-13 7 B"] == 1  # the day built
    day_before = [n for k, n in boardings.items() if k.startswith("2026-10-12")]
    assert day_before and 999 not in day_before  # the day before: rebuilt
    assert boardings["2026-10-11 8 A"] == 1  # rebuilt: the 10-13 delivery was late for it
    assert boardings["2026-10-08 23 A"] == 1
    assert boardings["2026-10-09 9 C"] == 999  # not touched
    journeys = query(
        small_city,
        "select date_day::varchar, journey_minutes from intermediate.int_transit_journeys_paired "
        "where card_pseudonym = ?",
        [hmac.new(TEST_KEY.encode(), b"c9", hashlib.sha256).hexdigest()],  # card c9's pseudonym
    )
    assert journeys == [("2026-10-08", 20.0)]  # paired with the next day's tap, read as input


@pytest.mark.slow  # dbt builds of several nights: make test, not the inner loop
def test_a_nights_dbt_tests_read_the_days_it_built_and_a_full_run_reads_all(
    small_city: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Paths(tmp_path)
    shutil.copy(small_city.warehouse, home.warehouse)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    with connect(home.warehouse) as con:  # a bad row on a day built on an earlier night
        con.execute(
            "update marts.fct_transit_boardings_hourly set hour_start = null "
            "where date_day = '2026-10-11'"
        )
    [(bad,)] = query(
        home, "select count(*) from marts.fct_transit_boardings_hourly where hour_start is null"
    )
    not_null = "not_null_fct_transit_boardings_hourly_hour_start"
    night = dbt_test_results(home, not_null, run_date="2026-10-13", expect_success=True)
    assert [r["status"] for r in night["results"]] == ["pass"]  # 10-12 and 10-13 only
    next_night = dbt_test_results(home, not_null, run_date="2026-10-12")  # 10-11 and 10-12
    assert [(r["status"], r["failures"]) for r in next_night["results"]] == [("fail", bad)]
    full = dbt_test_results(home, not_null)  # by hand, no run_date: every day
    assert [(r["status"], r["failures"]) for r in full["results"]] == [("fail", bad)]


@pytest.mark.slow  # dbt builds of several nights: make test, not the inner loop
def test_docs_generate_catalogues_the_built_marts(small_city: Paths, monkeypatch) -> None:
    monkeypatch.setenv("CITYBASE_HOME", str(small_city.home))
    dbt_docs_generate(small_city)
    catalog = json.loads((small_city.home / "dbt_target" / "catalog.json").read_text())
    hourly = catalog["nodes"]["model.citybase.fct_air_quality_hourly"]
    assert {"station_id", "measured_at", "aqi", "primary_pollutant", "aqi_level"} <= set(
        hourly["columns"]
    )


def test_a_failed_dbt_test_comes_with_a_masked_sample_of_its_rows(
    small_city: Paths, tmp_path: Path, monkeypatch
) -> None:
    home = Paths(tmp_path)
    shutil.copy(small_city.warehouse, home.warehouse)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    with connect(home.warehouse) as con:
        con.execute(
            "insert into marts.dim_station select s.* replace ('110101199003077777' as station_id) "
            "from marts.dim_station as s, range(2) limit 2"
        )
    run_results = dbt_test_results(home, "dim_station")
    with connect(home.warehouse, read_only=True) as con:
        samples = failing_samples(con, run_results)
    assert len(samples) == 1 and "unique_dim_station_station_id" in next(iter(samples))
    (sample,) = samples.values()
    assert len(sample) == 1 and "199003" not in sample[0] and "******" in sample[0]
    assert json.loads(sample[0])["n_records"] > 1


def test_a_day_the_replaced_feed_does_not_serve_is_emptied(
    small_city: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GTFS feed is replaced by one whose calendar does not run on DAY: rebuilding DAY
    leaves no scheduled trips from the old feed (delete+insert alone would keep them)."""
    home = Paths(tmp_path)
    shutil.copy(small_city.warehouse, home.warehouse)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    count = "select count(*) from marts.fct_scheduled_service_daily where date_day = ?"
    [(before,)] = query(home, count, [DAY])
    assert before > 0
    with connect(home.warehouse) as con:
        con.execute("update raw.transport__gtfs__calendar set start_date = '20300101'")
        con.execute("delete from raw.transport__gtfs__calendar_dates")
    dbt_build(home, "int_gtfs_service_days_expanded fct_scheduled_service_daily", run_date=DAY)
    assert query(home, count, [DAY]) == [(0,)]


def test_the_calendar_starts_on_the_configured_first_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed's own history: dim_date from CITYBASE_FIRST_DAY, China's day types where the
    holiday seed knows them (2004 on), plain weekday and weekend before."""
    home = Paths(tmp_path)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    monkeypatch.setenv("CITYBASE_FIRST_DAY", "2003-12-30")
    dbt_build(home, "+dim_date")
    days = {
        str(day): (kind, known)
        for day, kind, known in query(
            home, "select date_day, day_type, is_schedule_known from marts.dim_date"
        )
    }
    assert min(days) == "2003-12-30"
    assert days["2003-12-31"] == ("workday", False)  # before the seed: a plain Wednesday
    assert days["2004-01-01"] == ("holiday", True)
    assert days["2013-10-01"] == ("holiday", True)  # National Day
    assert days["2013-09-29"] == ("makeup_workday", True)  # a Sunday worked for it


def test_the_models_domain_logic_passes_its_dbt_unit_tests(home: Paths) -> None:
    """The hand-worked cases beside the models (AQI by HJ 633-2012, working days of the Chinese
    calendar, small-cell shares, …) as dbt unit tests: each one ran, and passed."""
    results = dbt_unit_test_results(home)
    unit = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert len(unit) >= 3 and set(unit.values()) == {"pass"}, unit
