"""The Dagster code location: it validates, and every asset says what it is and who owns it."""

from __future__ import annotations

import os
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


SNAPSHOT = Path(__file__).with_name("snapshots") / "definitions.txt"


def describe_definitions() -> str:
    """The code location as a reviewer reads it: every asset with its group, owners and kinds
    and its checks, every job, schedule and sensor. A change to the graph changes this text."""
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.path):
        node = graph.get(key)
        lines.append(
            f"asset {key.to_user_string()}  group={node.group_name}"
            f"  owners={','.join(sorted(node.owners))}  kinds={','.join(sorted(node.kinds))}"
        )
        for check in sorted(graph.get_check_keys_for_assets({key}), key=lambda c: c.name):
            blocking = "  blocking" if graph.get_check_spec(check).blocking else ""
            lines.append(f"  check {check.name}{blocking}")
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if not job.name.startswith("__"):
            assets = len(job.asset_layer.selected_asset_keys)
            lines.append(f"job {job.name}  assets={assets}  partitioned={job.partitions_def}")
    for name in sorted(s.name for s in defs.schedules or []):
        schedule = defs.resolve_schedule_def(name)
        lines.append(
            f"schedule {schedule.name}  {schedule.cron_schedule} {schedule.execution_timezone}"
            f"  -> {schedule.job_name}"
        )
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        lines.append(f"sensor {sensor.name}  every {sensor.minimum_interval_seconds} s")
    return "\n".join(lines) + "\n"


def test_the_definitions_are_the_reviewed_snapshot() -> None:
    """tests/snapshots/definitions.txt is the code location's graph as reviewed: a change to an
    asset, a check, a job, a schedule or a sensor shows in the diff. After a deliberate change:
    `CITYBASE_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/test_definitions.py`."""
    described = describe_definitions()
    if os.environ.get("CITYBASE_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(described, encoding="utf-8")
    assert described == SNAPSHOT.read_text(encoding="utf-8"), (
        "the definitions changed: review the diff, then re-write the snapshot with "
        "CITYBASE_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/test_definitions.py"
    )
