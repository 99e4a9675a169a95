"""The Dagster code location: it validates, and every asset says what it is and who owns it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.definitions import defs
from orchestration.settings import PROJECT_ROOT


def test_every_asset_has_description_owner_group_and_kind() -> None:
    graph = defs.resolve_asset_graph()
    incomplete = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not (node.description and node.owners and node.group_name and node.kinds):
            incomplete.append(key.to_user_string())
    assert incomplete == []
    layers = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "staging"} <= layers


def test_keys_follow_layer_bureau_name() -> None:
    keys = [k.path for k in defs.resolve_asset_graph().get_all_asset_keys()]
    assert all(len(path) == 3 for path in keys)
    assert ["raw", "health", "outpatient_visits"] in keys
    assert ["staging", "hotline", "stg_hotline__work_orders"] in keys


def test_nightly_schedule_runs_at_two_in_shanghai() -> None:
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"


def test_dagster_definitions_validate(tmp_path: Path) -> None:
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DAGSTER_HOME": str(tmp_path),
            "CITYBASE_HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
