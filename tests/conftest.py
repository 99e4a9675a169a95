"""Shared fixtures: a CITYBASE_HOME in a temporary folder, a real DuckDB file, a small demo city."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.democity import generate
from orchestration.settings import Paths
from orchestration.warehouse import connect

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_START = dt.date(2026, 9, 30)  # the day before National Day: a workday, then a holiday


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("CITYBASE_PSEUDONYM_KEY", "test-key-not-secret")
    return b"test-key-not-secret"


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
    """Two days of a small demo city, generated once for the whole session (read-only for tests)."""
    out = tmp_path_factory.mktemp("democity")
    generate(out, scale=0.02, days=2, start=DEMO_START, seed=7, defect_rate=0.01)
    return out


@pytest.fixture
def demo_home(home: Paths, demo_city: Path) -> Paths:
    """A CITYBASE_HOME whose democity/ is a link to the session's demo city."""
    home.democity.symlink_to(demo_city, target_is_directory=True)
    return home
