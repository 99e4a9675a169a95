"""The nightly reports and the portal page, on the two nights of the `two_nights` fixture (the
second with every PM2.5 reading of the environment bureau corrupted), opened in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance

from orchestration.assets.reports import report_key
from orchestration.reports.scores import DIMENSIONS
from orchestration.settings import PROJECT_ROOT, bureau_names
from tests.conftest import NIGHT_1, NIGHT_2, TwoNights

SCREENSHOTS = Path(os.environ.get("CITYBASE_SCREENSHOTS", PROJECT_ROOT / ".screenshots"))


def report(two_nights: TwoNights, bureau: str, night) -> dict:
    path = two_nights.home.reports / bureau / f"{night}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_bureau_gets_both_files_every_night_and_the_city_an_overview(
    two_nights: TwoNights,
) -> None:
    for night in (NIGHT_1, NIGHT_2):
        for bureau in (*bureau_names(), "city"):
            for suffix in ("html", "json"):
                assert (two_nights.home.reports / bureau / f"{night}.{suffix}").is_file()
    health = report(two_nights, "health", NIGHT_2)
    assert set(health["dimensions"]) == set(DIMENSIONS)
    assert set(DIMENSIONS) <= set(health["scores"])  # health delivers and publishes daily
    assert all(0 <= s <= 100 for s in health["scores"].values())
    assert [n["date"] for n in health["trend"]] == [str(NIGHT_1), str(NIGHT_2)]
    delivered = {d["dataset"] for d in health["deliveries"]}
    assert {"outpatient_visits", "bed_occupancy"} <= delivered
    assert all(d["reconciled"] for d in health["deliveries"])
    assert all(d["on_time"] for d in health["deliveries"] if d["expected_by"])
    city = report(two_nights, "city", NIGHT_2)
    assert sorted(b["bureau"] for b in city["bureaus"]) == sorted(bureau_names())
    assert [b["rank"] for b in city["bureaus"]] == list(range(1, len(bureau_names()) + 1))


@pytest.mark.slow
def test_scores_tell_bureaus_apart_by_the_defects_the_night_found(two_nights: TwoNights) -> None:
    """Deductions, not averages: a bureau whose rules found failing rows or whose rows were
    quarantined does not score 100 however many rules passed beside them, and the ranking
    spreads the bureaus apart."""
    city = report(two_nights, "city", NIGHT_1)
    for ranked in city["bureaus"]:
        found = report(two_nights, ranked["bureau"], NIGHT_1)
        defects = ranked["rows_quarantined"] or any(
            f["failed"] or not f["passed"] for f in found["failed_rules"]
        )
        assert (found["scores"]["overall"] < 100) == bool(defects), (ranked, found["datasets"])
        assert "max(0, 100 − " in found["formula"]["zh"]
    overall = [b["scores"]["overall"] for b in city["bureaus"]]
    assert len(set(overall)) >= 4 and max(overall) - min(overall) >= 1, overall


@pytest.mark.slow
def test_reports_speak_chinese_first_in_city_time(two_nights: TwoNights) -> None:
    found = report(two_nights, "environment", NIGHT_2)
    cjk = re.compile("[\u4e00-\u9fff]")
    assert found["failed_rules"] and all(
        cjk.search(f["description"].split(" / ")[0]) for f in found["failed_rules"]
    )
    page = (two_nights.home.reports / "environment" / f"{NIGHT_2}.html").read_text("utf-8")
    assert "北京时间 (Asia/Shanghai)" in page and "暂缓发布 held_back" in page


@pytest.mark.slow
def test_a_corrupted_delivery_lowers_its_bureaus_score(two_nights: TwoNights) -> None:
    before = report(two_nights, "environment", NIGHT_1)
    after = report(two_nights, "environment", NIGHT_2)
    assert after["scores"]["accuracy"] < before["scores"]["accuracy"]
    hourly = {d["unit"]: d["scores"] for d in after["datasets"]}["air_quality_hourly"]
    assert hourly["accuracy"] < 90  # one of its range rules failed on every row
    assert after["scores"]["accessibility"] < before["scores"]["accessibility"]  # held back
    assert after["scores"]["overall"] < before["scores"]["overall"]
    failed = {f["rule"]: f for f in after["failed_rules"] if not f["passed"]}
    assert failed["pm25_ugm3_in_range"]["failed"] == failed["pm25_ugm3_in_range"]["evaluated"]
    assert failed["pm25_ugm3_in_range"]["examples"]
    held = [p for p in after["publications"] if p["status"] == "held_back"]
    assert [p["dataset"] for p in held] == ["station-aqi-daily"]
    assert any("pm25_ugm3_in_range" in why for why in held[0]["reasons"])
    city = {b["bureau"]: b for b in report(two_nights, "city", NIGHT_2)["bureaus"]}
    assert city["environment"]["week_change"] < 0
    assert city["environment"]["held_back"] == ["station-aqi-daily"]
    earlier = {b["bureau"]: b for b in report(two_nights, "city", NIGHT_1)["bureaus"]}
    assert city["environment"]["rank"] > earlier["environment"]["rank"]


@pytest.mark.slow
def test_report_numbers_agree_with_the_dagster_checks_of_the_run(two_nights: TwoNights) -> None:
    instance = DagsterInstance.from_config(str(two_nights.home.home / "dagster"))
    after = report(two_nights, "environment", NIGHT_2)
    asset = AssetKey(["raw", "environment", "air_quality_hourly"])
    for rule in after["failed_rules"]:
        if rule["source"] != "gx" or rule["asset"] != asset.to_user_string():
            continue
        [latest] = instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(asset, rule["rule"]), limit=1
        )
        evaluation = latest.event.dagster_event.event_specific_data
        assert evaluation.passed == rule["passed"], rule["rule"]
        assert evaluation.metadata["rows_failed"].value == rule["failed"], rule["rule"]
        assert evaluation.metadata["rows_evaluated"].value == rule["evaluated"], rule["rule"]
    materialised = instance.get_latest_materialization_event(report_key("environment"))
    metadata = materialised.asset_materialization.metadata
    assert metadata["overall"].value == after["scores"]["overall"]
    assert materialised.asset_materialization.partition == str(NIGHT_2)
    instance.dispose()


@pytest.mark.slow
def test_reports_show_no_personal_data(two_nights: TwoNights) -> None:
    """Examples are masked: no token of the report is an ID number (check digit valid or
    not), a mobile number or a pseudonym (tokens split as the publication scan splits cells)."""
    identifier = re.compile(r"[0-9]{17}[0-9Xx]|1[3-9][0-9]{9}|[0-9a-f]{64}")
    for path in two_nights.home.reports.rglob("*.*"):
        tokens = re.split(r"[^0-9A-Za-z]+", path.read_text(encoding="utf-8"))
        assert [t for t in tokens if identifier.fullmatch(t)] == [], path


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt install chromium fonts-noto-cjk)")
    return found


@pytest.mark.slow
def test_reports_and_portal_render_in_headless_chromium(two_nights: TwoNights) -> None:
    from playwright.sync_api import sync_playwright

    pages = {
        "environment-report": two_nights.home.reports / "environment" / f"{NIGHT_2}.html",
        "city-overview": two_nights.home.reports / "city" / f"{NIGHT_2}.html",
        "portal": two_nights.home.open_data / "index.html",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith("file:") else errors.append(r.url))
        for name, path in pages.items():
            page.goto(path.as_uri())
            drawn = page.eval_on_selector_all(
                "svg.chart rect.bar, svg.chart circle.point",
                "marks => marks.filter(m => m.getBoundingClientRect().width > 0).length",
            )
            if name != "portal":
                assert drawn >= 6, f"{name}: the charts drew {drawn} marks"
            page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        # The portal's search narrows the list to what matches.
        page.goto(pages["portal"].as_uri())
        total = page.locator("section.dataset").count()
        page.fill("#search", "空气质量")
        visible = page.locator("section.dataset:visible")
        assert total >= 7 and visible.count() == 1
        assert visible.first.get_attribute("id") == "station-aqi-daily"
        browser.close()
    assert errors == []
    assert all((SCREENSHOTS / f"{name}.png").stat().st_size > 10_000 for name in pages)
