"""The dbt project as Dagster sees it, and keeping its manifest current."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.integrations.dbt.spark import engine_target
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
RUN_DATE_VARIABLE = "CITYBASE_RUN_DATE"  # read by the macro run_date() (macros/incremental.sql)
HOME_VARIABLE = "CITYBASE_HOME"  # read by profiles.yml: where the warehouse file is
# dbt's own log file (the home's dbt/dbt.log) at info: node results, errors and their SQL. At
# debug dbt also writes every query it sends, a fifth of a small night's build (measured with
# py-spy); an operator who wants them sets DBT_LOG_LEVEL_FILE=debug.
LOG_LEVEL_FILE_VARIABLE = "DBT_LOG_LEVEL_FILE"
LOG_LEVEL_FILE_DEFAULT = "info"


@contextmanager
def dbt_environment(day: dt.date, home: Path) -> Iterator[None]:
    """What a dbt invocation started inside builds: the night's day, the home whose warehouse
    it builds, and how much it writes to its own log file. Environment variables, not
    `--vars`: a new var each night would make dbt parse the whole project again (see
    run_date()). HOME is the home too: the night's target names its warehouse
    ~/warehouse.duckdb (profiles.yml, `night`), so that dbt's saved parse, which holds only
    while the profile is the same, serves every home. dagster-dbt hands dbt this process's
    environment and takes none of its own, so the variables are set for the start of the
    invocation only and then restored: the process's own environment is left as it was."""
    planted = {
        RUN_DATE_VARIABLE: day.isoformat(),
        HOME_VARIABLE: str(home),
        "HOME": str(home),  # DuckDB expands the ~ of the night target's path with it
        LOG_LEVEL_FILE_VARIABLE: os.environ.get(LOG_LEVEL_FILE_VARIABLE, LOG_LEVEL_FILE_DEFAULT),
    }
    before = {name: os.environ.get(name) for name in planted}
    os.environ.update(planted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's virtual environment), not PATH's."""
    return str(Path(sys.executable).with_name("dbt"))


def _sources_newer_than(manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    watched = [
        *(PROJECT_ROOT / "models").rglob("*"),
        *DBT_PROJECT_DIR.glob("*.yml"),
        *(DBT_PROJECT_DIR / "macros").rglob("*"),
        *(DBT_PROJECT_DIR / "seeds").rglob("*"),
    ]
    return any(p.is_file() and p.stat().st_mtime > built for p in watched)


def ensure_manifest() -> Path:
    """Runs `dbt parse` for the engine's target when the manifest is missing or older than the
    models (about 5 s); dagster-dbt starts each new home's dbt from this parse. Processes that
    start together (the UI and a night) take turns: one parses, the others then find the
    manifest current instead of reading it half-written."""
    manifest = dbt_project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _sources_newer_than(manifest):
            subprocess.run(
                [
                    dbt_executable(),
                    "parse",
                    "--quiet",
                    "--target",
                    engine_target(),
                    "--profiles-dir",
                    str(DBT_PROJECT_DIR),
                    "--project-dir",
                    str(DBT_PROJECT_DIR),
                ],
                check=True,
            )
    return manifest


def model_meta(node: dict) -> dict:
    """A manifest node's `meta` (dbt keeps it under config, older manifests beside it)."""
    return node.get("config", {}).get("meta") or node.get("meta") or {}
