"""The command line fails well: an expected failure prints one sentence saying what to do, never
a traceback, and a night with nothing to build stops at once instead of retrying for minutes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import connect
from tests.conftest import NIGHT_1, TEST_KEY


def citybase(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "CITYBASE_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "CITYBASE_PSEUDONYM_KEY": TEST_KEY,
        **env,
    }
    environment.pop("CITYBASE_TOURISM_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_clear_failure(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr[-2000:]


def test_a_night_with_nothing_delivered_stops_at_once_listing_what_is_missing(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    result = citybase(tmp_path / "home", "nightly", "--date", NIGHT_1.isoformat())
    assert_one_clear_failure(
        result, "Nothing to build for 2026-09-30", "hotline/work_orders", "tourism/attractions"
    )
    assert time.monotonic() - started < 120  # no network retries (they took 8 minutes)


def test_a_broken_contract_is_one_message_naming_its_file_and_field(tmp_path: Path) -> None:
    extra = tmp_path / "contracts"
    extra.mkdir()
    (extra / "broken.yaml").write_text("dataset: x\nbureau: y\nformat: xml\n", encoding="utf-8")
    result = citybase(
        tmp_path / "home", "nightly", "--date", "2026-09-30", CITYBASE_CONTRACTS=str(extra)
    )
    assert_one_clear_failure(result, "broken.yaml", "field 'format'")


def test_a_clock_that_says_no_time_is_one_message(tmp_path: Path) -> None:
    result = citybase(tmp_path / "home", "publish", CITYBASE_NOW="tomorrow-ish")
    assert_one_clear_failure(result, "CITYBASE_NOW='tomorrow-ish'")


@pytest.mark.parametrize("date", ["2026-13-01", "yesterday"])
def test_a_bad_date_is_refused_by_the_argument_parser(tmp_path: Path, date: str) -> None:
    result = citybase(tmp_path / "home", "nightly", "--date", date)
    assert result.returncode == 2 and "is not a date like" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_while_a_night_writes_the_warehouse_says_so_in_one_sentence(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    with connect(home / "warehouse.duckdb"):  # the night's writer holds the file
        result = citybase(home, "publish", "--date", "2026-09-30")
    assert_one_clear_failure(result, "being written by another process")
