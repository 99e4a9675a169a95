"""Shared fixtures: a CITYBASE_HOME in a temporary folder, a real DuckDB file, a small demo city,
and two nights of it through Dagster, the second with one bureau's delivery corrupted."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from orchestration.democity import generate
from orchestration.settings import DEMO_CITY, Paths
from orchestration.warehouse import connect

# A step that cannot reach its source waits 1 s, 2 s, 4 s between tries here, not 30 s, 60 s…
# (read when the definitions are built, so set before any test imports them).
os.environ.setdefault("CITYBASE_NETWORK_RETRY_DELAY_SECONDS", "1")

# Real data from elsewhere, read where it lies (never copied into the repository).
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
DEMO_START = DEMO_CITY.start  # the day before National Day: a workday, then a holiday
NIGHT_1 = DEMO_START
NIGHT_2 = DEMO_START + dt.timedelta(days=1)
TEST_KEY = "test-key-not-secret"


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("CITYBASE_PSEUDONYM_KEY", TEST_KEY)
    return TEST_KEY.encode()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("CITYBASE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return Paths(tmp_path)


@pytest.fixture
def con(home: Paths):
    with connect(home.warehouse) as connection:
        yield connection


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city `make demo` builds (two days of a small city), generated once for the whole
    session (read-only for tests)."""
    out = tmp_path_factory.mktemp("democity")
    generate(out, **asdict(DEMO_CITY))
    return out


@pytest.fixture
def demo_home(home: Paths, demo_city: Path) -> Paths:
    """A CITYBASE_HOME whose democity/ is a link to the session's demo city."""
    home.democity.symlink_to(demo_city, target_is_directory=True)
    return home


def make_pm25_negative(path: Path) -> None:
    """Every PM2.5 reading below zero: far more rows than the physical-range rule tolerates.
    The file keeps its delivery time, so only the content is wrong."""
    delivered = path.stat()
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "pm25": "-1"} for row in rows)
    os.utime(path, (delivered.st_atime, delivered.st_mtime))


@dataclass(frozen=True)
class TwoNights:
    home: Paths
    after_night_1: Paths  # copies of open_data/ and share/ as they were after night 1
    night_2_succeeded: bool
    night_2_log: str


@pytest.fixture(scope="session")
def two_nights(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> TwoNights:
    """Night 1 of the demo city as delivered; night 2 with the environment bureau's hourly
    readings corrupted (every PM2.5 value negative). Shared by many tests, which only read it:
    a test that changes what is served (a rollback) works on a copy."""
    from orchestration.night import run_nightly  # imports Dagster: only for the tests that run it

    root = tmp_path_factory.mktemp("two_nights")
    home, snapshot = Paths(root / "home"), Paths(root / "after_night_1")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CITYBASE_HOME", str(home.home))
        env.setenv("DAGSTER_HOME", str(home.home / "dagster"))
        env.setenv("CITYBASE_PSEUDONYM_KEY", TEST_KEY)
        shutil.copytree(demo_city, home.democity)
        assert run_nightly(NIGHT_1, home, log_level="ERROR")
        for folder in ("open_data", "share"):
            shutil.copytree(home.home / folder, snapshot.home / folder, symlinks=True)
        make_pm25_negative(home.democity / f"environment/air_quality_hourly/{NIGHT_2}.csv")
        log = io.StringIO()
        with contextlib.redirect_stderr(log):
            succeeded = run_nightly(NIGHT_2, home, log_level="WARNING")
    return TwoNights(home, snapshot, succeeded, log.getvalue())
