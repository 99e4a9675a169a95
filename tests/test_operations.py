"""Nightly operations as an operator meets them: backfills, a run killed mid-build, analysts
querying during builds, alerts to a webhook, overdue deliveries, a late file for a past day,
parallel runs and, when a PostgreSQL server is given, Dagster's instance on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetSelection,
    AssetSpec,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    RunsFilter,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
)

from orchestration.alerts import Alert, alert_on_run_failure, send_alert
from orchestration.clock import CITY_TIME
from orchestration.contracts import load_contracts
from orchestration.freshness import freshness_checks
from orchestration.keys import raw_asset_key
from orchestration.night import prepare_environment
from orchestration.partitions import daily_partitions
from orchestration.settings import BUILTIN_CONTRACTS_DIR, PROJECT_ROOT, Paths
from orchestration.snapshot import analyst_path
from orchestration.warehouse import connect
from tests.conftest import NIGHT_1, NIGHT_2, TEST_KEY
from tests.invariants import (
    assert_nothing_lost,
    assert_the_lake_mirrors_raw,
    published_state,
    table_fingerprint,
)
from tests.runs import failure_messages, run_job

CONTRACTS = {c.key: c for c in load_contracts([BUILTIN_CONTRACTS_DIR])}
POSTGRES_URL = os.environ.get("CITYBASE_TEST_POSTGRES_URL")
LATE = f"hotline/work_orders/{NIGHT_2}.jsonl"  # arrives after its night has run


class Webhook(BaseHTTPRequestHandler):
    """A chat tool's incoming webhook: keeps every JSON body; answers `status`."""

    received: ClassVar[list[dict]] = []
    status = 200

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def webhook():
    Webhook.received, Webhook.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Webhook, f"http://127.0.0.1:{server.server_address[1]}/hooks/citybase"
    server.shutdown()
    server.server_close()


def test_a_failed_run_is_alerted_to_the_webhook_and_a_dead_webhook_is_logged(
    home: Paths, webhook, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    hook, url = webhook
    hook.received.clear()
    monkeypatch.setenv("CITYBASE_ALERT_WEBHOOK_URL", url)
    key = raw_asset_key(CONTRACTS["hotline__work_orders"])
    result = run_job(home, "nightly_extract", NIGHT_1, [key])  # nothing delivered
    assert not result.success
    context = build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=DagsterInstance.get(),
        dagster_run=result.dagster_run,
    ).for_run_failure()
    alert_on_run_failure(context)
    [body] = hook.received
    assert (body["job"], body["day"], body["run_id"]) == (
        "nightly_extract",
        NIGHT_1.isoformat(),
        result.run_id,
    )
    [error] = body["failed_steps"].values()
    assert "work_orders" in error and "due by 02:00" in error

    hook.status = 503
    with caplog.at_level(logging.ERROR, logger="citybase.alerts"):
        assert not send_alert(Alert("nightly_build", "r1", "2026-09-30", {"s": "boom"}))
    hook.status = 200
    assert "nightly_build" in caplog.text and "did not take the alert" in caplog.text


def test_a_delivery_not_landed_by_its_contract_time_is_overdue() -> None:
    """Dagster's own evaluation of the freshness check of a raw asset: failing while the last
    complete day is not materialised, passing once it is; the deadline is the contract's."""
    contract = CONTRACTS["environment__air_quality_hourly"]
    key = raw_asset_key(contract)
    [check] = [c for c in freshness_checks if any(k.asset_key == key for k in c.check_keys)]
    defs = Definitions(
        assets=[AssetSpec(k.asset_key, partitions_def=daily_partitions) for k in check.check_keys],
        asset_checks=[check],
        jobs=[define_asset_job("freshness", selection=AssetSelection.checks(check))],
    )
    instance = DagsterInstance.ephemeral()

    def evaluate():
        result = defs.resolve_job_def("freshness").execute_in_process(
            instance=instance, raise_on_error=False
        )
        return next(e for e in result.get_asset_check_evaluations() if e.asset_key == key)

    overdue = evaluate()
    assert not overdue.passed
    due = contract.expected_delivery
    params = overdue.metadata["dagster/freshness_params"].value
    assert params["deadline_cron"] == f"{due.minute} {due.hour} * * *"
    assert params["timezone"] == "Asia/Shanghai"
    today = dt.datetime.now(CITY_TIME).date()  # Dagster's clock, in the contract's time zone
    for back in (1, 2):  # the last complete day, whichever side of the deadline now is
        day = (today - dt.timedelta(days=back)).isoformat()
        instance.report_runless_asset_event(AssetMaterialization(key, partition=day))
    assert evaluate().passed


PARALLEL_RUN = """
import json, sys
from orchestration.night import demo_services
from orchestration.settings import paths
from tests.runs import failure_messages, run_job
import datetime as dt
with demo_services(paths()):
    result = run_job(paths(), "nightly_extract", dt.date.fromisoformat(sys.argv[1]))
blocked = any("blocked by limit for pool" in (e.message or "") for e in result.all_events)
print(json.dumps({"success": result.success, "blocked": blocked,
                  "failures": failure_messages(result)}))
"""


@pytest.mark.slow
def test_runs_started_together_queue_for_the_warehouse(demo_home: Paths, tmp_path: Path) -> None:
    """Two extract runs of the same night at once: every step writes the DuckDB file, which
    takes one writer. Both succeed, because steps wait for the pool instead of the lock."""
    prepare_environment(demo_home)  # an instance that exists, as in any deployment
    logs = [(tmp_path / f"run{n}.out", tmp_path / f"run{n}.err") for n in range(2)]
    runs = []
    for out, err in logs:
        with out.open("w") as stdout, err.open("w") as stderr:
            runs.append(
                subprocess.Popen(
                    [sys.executable, "-c", PARALLEL_RUN, NIGHT_1.isoformat()],
                    cwd=PROJECT_ROOT,
                    stdout=stdout,
                    stderr=stderr,
                )
            )
    for run in runs:
        run.wait(timeout=600)
    outputs = [out.read_text().strip() for out, _ in logs]
    assert all(outputs), [err.read_text()[-3000:] for _, err in logs]
    outcomes = [json.loads(output.splitlines()[-1]) for output in outputs]
    assert [o["failures"] for o in outcomes] == [[], []]
    assert all(o["success"] for o in outcomes)
    assert any(o["blocked"] for o in outcomes)
    assert_nothing_lost(demo_home)
    assert_the_lake_mirrors_raw(demo_home)


@dataclass
class Operated:
    home: Paths
    env: dict[str, str]
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    readings: list[dict]
    after_first: dict
    after_second: dict
    killed_run: str
    alerts: list[dict]


def _state(home: Paths) -> dict:
    return {
        "tables": table_fingerprint(home, ("raw", "marts", "open_data")),
        "published": published_state(home),
    }


def _backfill(env: dict[str, str], start: dt.date = NIGHT_1, **popen) -> subprocess.Popen:
    """`citybase backfill` from `start` to night 2, headless, in its own process."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    days = ["--from", str(start), "--to", str(NIGHT_2)]
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "backfill", *days, "--log-level", "ERROR"],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        **(pipes | popen),
    )


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=1200)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _postgres_instance_url() -> str:
    """A fresh database for this session's Dagster instance, on the test PostgreSQL server."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"citybase_dagster_{os.getpid()}"
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as pg:
        pg.execute(sa.text(f"drop database if exists {name}"))
        pg.execute(sa.text(f"create database {name}"))
    engine.dispose()
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg2", database=name)
    return url.render_as_string(hide_password=False)


def _wait_for_build(instance: DagsterInstance, day: dt.date, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = instance.get_runs(
            RunsFilter(
                job_name="nightly_build",
                statuses=[DagsterRunStatus.STARTED],
                tags={"dagster/partition": day.isoformat()},
            )
        )
        if runs:
            return runs[0].run_id
        time.sleep(0.5)
    raise AssertionError(f"no nightly_build of {day} started within {timeout} s")


@pytest.fixture(scope="module")
def operated(tmp_path_factory: pytest.TempPathFactory, demo_city: Path, webhook) -> Operated:
    """Two nights run as a backfill while an analyst queries in a loop (the hotline's file of
    night 2 held back: it will arrive late); then a backfill of night 2, killed with SIGKILL
    in the middle of its build; then the first backfill once more, to the end. On PostgreSQL
    when given."""
    hook, url = webhook
    root = tmp_path_factory.mktemp("operations")
    home = Paths(root / "home")
    shutil.copytree(demo_city, home.democity)
    (home.democity / LATE).rename(root / "late.jsonl")
    env = {
        **os.environ,
        "CITYBASE_HOME": str(home.home),
        "DAGSTER_HOME": str(home.home / "dagster"),
        "CITYBASE_PSEUDONYM_KEY": TEST_KEY,
        "CITYBASE_ALERT_WEBHOOK_URL": url,
    }
    if POSTGRES_URL:
        env["CITYBASE_DAGSTER_POSTGRES_URL"] = _postgres_instance_url()

    readings, stop = root / "readings.jsonl", root / "stop"
    reader_args = [str(analyst_path(home.home)), str(readings), str(stop)]
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.analyst_reader", *reader_args],
        cwd=PROJECT_ROOT,
    )
    first = _finish(_backfill(env))
    stop.touch()
    reader.wait(timeout=60)
    after_first = _state(home)

    with (root / "killed.log").open("w") as log:  # nobody reads its pipes: a file, not a pipe
        killed = _backfill(env, NIGHT_2, start_new_session=True, stdout=log, stderr=log)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYBASE_DAGSTER_POSTGRES_URL", env.get("CITYBASE_DAGSTER_POSTGRES_URL", ""))
        instance = DagsterInstance.from_config(env["DAGSTER_HOME"])
        killed_run = _wait_for_build(instance, NIGHT_2)
        time.sleep(8)  # well into dbt
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        instance.dispose()
    second = _finish(_backfill(env))
    return Operated(
        home,
        env,
        first,
        second,
        [json.loads(line) for line in readings.read_text().splitlines()],
        after_first,
        _state(home),
        killed_run,
        list(hook.received),
    )


@pytest.mark.slow
def test_a_backfill_builds_each_day_and_a_second_one_changes_nothing(operated: Operated) -> None:
    assert operated.first.returncode == 1, operated.first.stderr[-3000:]  # the late hotline file
    assert f"Days with a failed step: {NIGHT_2}" in operated.first.stderr
    assert "1 of 2 day(s) built cleanly" in operated.first.stdout
    with connect(operated.home.warehouse, read_only=True) as con:
        days = con.execute(
            "select distinct date_day from marts.fct_transit_boardings_hourly order by 1"
        ).fetchall()
    assert {(NIGHT_1,), (NIGHT_2,)} <= set(days)
    assert operated.after_second == operated.after_first


@pytest.mark.slow
def test_a_run_killed_mid_build_is_reaped_and_the_rerun_loses_nothing(
    operated: Operated, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert f"run {operated.killed_run} died mid-way" in operated.second.stderr
    assert operated.second.returncode == operated.first.returncode
    for name, value in operated.env.items():
        if name.startswith(("CITYBASE_", "DAGSTER_")):
            monkeypatch.setenv(name, value)
    instance = DagsterInstance.get()
    assert instance.get_run_by_id(operated.killed_run).status == DagsterRunStatus.FAILURE
    assert_nothing_lost(operated.home)
    assert_the_lake_mirrors_raw(operated.home)
    published_state(operated.home)  # every served release whole


@pytest.mark.slow
def test_analysts_querying_during_builds_never_see_a_lock_error_or_half_a_build(
    operated: Operated,
) -> None:
    readings = operated.readings
    assert len(readings) >= 20
    assert [r for r in readings if "error" in r] == []
    assert [r for r in readings if r["partial"]] == []
    seen = [r["built_for"] for r in readings]
    assert seen == sorted(seen)  # builds only move forward
    assert {NIGHT_1.isoformat(), NIGHT_2.isoformat()} <= set(seen)


@pytest.mark.slow
def test_a_failed_night_is_alerted_from_the_headless_run(operated: Operated) -> None:
    alerts = [a for a in operated.alerts if a["day"] == NIGHT_2.isoformat()]
    assert alerts and all(a["job"] == "nightly_extract" for a in alerts)
    assert any("work_orders" in json.dumps(a["failed_steps"]) for a in alerts)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL (CITYBASE_TEST_POSTGRES_URL)")
def test_the_instance_runs_on_postgresql(operated: Operated) -> None:
    import sqlalchemy as sa

    dagster_yaml = (operated.home.home / "dagster" / "dagster.yaml").read_text()
    assert "postgres_url" in dagster_yaml and "CITYBASE_DAGSTER_POSTGRES_URL" in dagster_yaml
    url = operated.env["CITYBASE_DAGSTER_POSTGRES_URL"]
    with sa.create_engine(url).connect() as pg:
        jobs = dict(
            pg.execute(sa.text("select pipeline_name, count(*) from runs group by 1")).fetchall()
        )
    # two backfills of two nights, four jobs a night, plus the killed run's
    assert all(jobs[j] >= 4 for j in ("nightly_extract", "nightly_build", "nightly_report"))


def work_orders(report: Path) -> list[dict]:
    return [
        d for d in json.loads(report.read_text())["deliveries"] if d["dataset"] == "work_orders"
    ]


@pytest.mark.slow
def test_a_late_file_for_a_past_night_rebuilds_that_bureau_and_that_day_only(
    operated: Operated, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.definitions import defs

    home = operated.home
    for name, value in operated.env.items():
        if name.startswith(("CITYBASE_", "DAGSTER_")):
            monkeypatch.setenv(name, value)
    # The morning after night 2, whatever the machine's date: the sensor looks back from here.
    monkeypatch.setenv("CITYBASE_NOW", f"{NIGHT_2 + dt.timedelta(days=1)}T09:00")
    report = home.reports / "hotline" / f"{NIGHT_2}.json"
    [before] = [
        d for d in json.loads(report.read_text())["deliveries"] if d["dataset"] == "work_orders"
    ]
    assert before["overdue"]
    untouched = {path: path.stat().st_mtime_ns for path in (home.reports / "environment").glob("*")}

    instance, repository = DagsterInstance.get(), defs.get_repository_def()
    sensor = defs.get_sensor_def("hotline_late_deliveries")
    first = sensor.evaluate_tick(build_sensor_context(instance=instance, repository_def=repository))
    assert not first.run_requests  # the first look only records what is there
    (home.home.parent / "late.jsonl").rename(home.democity / LATE)
    tick = sensor.evaluate_tick(
        build_sensor_context(instance=instance, cursor=first.cursor, repository_def=repository)
    )
    [request] = tick.run_requests
    assert request.partition_key == NIGHT_2.isoformat()
    assert request.asset_selection == [raw_asset_key(CONTRACTS["hotline__work_orders"])]

    result = run_job(home, "nightly_extract", NIGHT_2, request.asset_selection, request.tags)
    built: list[AssetKey] = []
    for after, then in (("extract", "build"), ("build", "publish"), ("publish", "report")):
        assert result.success, failure_messages(result)
        chain = defs.get_sensor_def(f"nightly_{then}_after_nightly_{after}_success")
        context = build_run_status_sensor_context(
            sensor_name=chain.name,
            dagster_event=result.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            repository_def=repository,
        )
        [next_run] = list(chain(context))
        result = run_job(home, f"nightly_{then}", NIGHT_2, next_run.asset_selection, next_run.tags)
        built += [m.asset_key for m in result.get_asset_materialization_events() if m.asset_key]
    assert result.success, failure_messages(result)

    bureaus = {key.path[1] for key in built}
    assert "hotline" in bureaus and bureaus <= {"hotline", "city"}
    assert AssetKey(["marts", "hotline", "fct_hotline_orders"]) in built
    [after] = [
        d for d in json.loads(report.read_text())["deliveries"] if d["dataset"] == "work_orders"
    ]
    assert after["status"] == "loaded" and not after["overdue"]
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched
    assert_nothing_lost(home)
    assert_the_lake_mirrors_raw(home)
