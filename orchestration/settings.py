"""Where everything lives. One place reads the environment so that paths never drift apart.

Everything a build writes lives under CITYBASE_HOME (default ./data); see DESIGN.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.errors import CitybaseError

TIMEZONE = "Asia/Shanghai"


class SettingsError(CitybaseError, ValueError):
    """A setting in the environment that cannot be used."""


@dataclass(frozen=True)
class DemoCity:
    """The demo city `make demo` builds: a workday, then National Day. The test suite builds
    the same city, so that every demo number the docs quote is checked (tests/test_docs.py)."""

    scale: float = 0.02
    days: int = 2
    start: dt.date = dt.date(2026, 9, 30)
    seed: int = 7
    defect_rate: float = 0.01


DEMO_CITY = DemoCity()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
BUILTIN_CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
BUREAUS_SEED = DBT_PROJECT_DIR / "seeds" / "bureaus.csv"


@cache
def bureau_names() -> dict[str, dict[str, str]]:
    """Bureau code -> its name in Chinese (zh) and English (en), from the dbt seed."""
    with open(BUREAUS_SEED, encoding="utf-8") as f:
        return {
            row["bureau_code"]: {"zh": row["bureau_name_zh"], "en": row["bureau_name_en"]}
            for row in csv.DictReader(f)
        }


@dataclass(frozen=True)
class Paths:
    """The folders and files under one CITYBASE_HOME."""

    home: Path

    @property
    def democity(self) -> Path:
        return self.home / "democity"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def raw_lake(self) -> Path:
        """Raw rows as Parquet, for a second engine (orchestration/landing/lake.py)."""
        return self.home / "lake" / "raw"

    @property
    def open_data(self) -> Path:
        return self.home / "open_data"

    @property
    def conditional_share(self) -> Path:
        """Datasets open on conditions (有条件开放): served to approved users only, never
        from the public open_data/ folder. CITYBASE_CONDITIONAL_SHARE points it at the
        access-controlled store; publication refuses a share that others can read."""
        configured = os.environ.get("CITYBASE_CONDITIONAL_SHARE", "").strip()
        return Path(configured) if configured else self.home / "share" / "conditional"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance's folder: DAGSTER_HOME when the deployment sets it (the UI and
        the daemon read the same), else dagster/ under this home."""
        configured = os.environ.get("DAGSTER_HOME", "").strip()
        return Path(configured) if configured else self.home / "dagster"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts and log of this home's nightly builds. One folder, kept from night
        to night, so that each build starts from the last one's parse (partial parsing)."""
        return self.home / "dbt"


DEFAULT_FIRST_DAY = "2024-01-01"


def first_day() -> dt.date:
    """The first day the platform builds: the start of the nightly partitions and of dim_date
    (CITYBASE_FIRST_DAY, default 2024-01-01). Set it before the first night to build a feed for
    its own dates, a 2014 timetable or a 2013 air-quality series."""
    text = os.environ.get("CITYBASE_FIRST_DAY", "").strip() or DEFAULT_FIRST_DAY
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SettingsError(
            f"CITYBASE_FIRST_DAY is {text!r}: give the first day to build as YYYY-MM-DD"
        ) from None


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8500"


def public_url() -> str:
    """Where the public reaches the sharing service (CITYBASE_PUBLIC_URL, without a trailing
    slash): the base of every absolute URL in the catalogue, the files' downloadURLs included."""
    url = os.environ.get("CITYBASE_PUBLIC_URL", "").strip().rstrip("/") or DEFAULT_PUBLIC_URL
    if not url.startswith(("http://", "https://")):
        raise SettingsError(
            f"CITYBASE_PUBLIC_URL is {url!r}: give the service's address as http(s)://host[:port]"
        )
    return url


def citybase_home() -> Path:
    return Path(os.environ.get("CITYBASE_HOME", Path.cwd() / "data")).resolve()


def paths() -> Paths:
    return Paths(citybase_home())


def data_roots(home: Path) -> list[Path]:
    """Where file deliveries may be read from: CITYBASE_HOME and every folder named in
    CITYBASE_DATA_ROOTS (os.pathsep-separated), e.g. the bureaus' drop server's mount."""
    extra = os.environ.get("CITYBASE_DATA_ROOTS", "")
    return [home, *(Path(p) for p in extra.split(os.pathsep) if p)]


def contract_dirs() -> list[Path]:
    """The built-in contracts plus every folder named in CITYBASE_CONTRACTS (os.pathsep-separated).

    A city onboards a feed by dropping a contract into one of those folders; no code changes.
    CITYBASE_BUILTIN_CONTRACTS=off leaves the demo city's out: a city of real feeds only.
    """
    extra = os.environ.get("CITYBASE_CONTRACTS", "")
    builtin = os.environ.get("CITYBASE_BUILTIN_CONTRACTS", "on").strip().lower()
    if builtin not in ("on", "off"):
        raise SettingsError(
            f"CITYBASE_BUILTIN_CONTRACTS is {builtin!r}: 'on' (the demo city's sources) or 'off' "
            "(only the folders of CITYBASE_CONTRACTS)"
        )
    first = [BUILTIN_CONTRACTS_DIR] if builtin == "on" else []
    return [*first, *(Path(p) for p in extra.split(os.pathsep) if p)]
