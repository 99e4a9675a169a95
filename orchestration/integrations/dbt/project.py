"""The dbt project as Dagster sees it, and keeping its manifest current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


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
    """Runs `dbt parse` when the manifest is missing or older than the models (about 5 s)."""
    manifest = dbt_project.manifest_path
    if _sources_newer_than(manifest):
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
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
