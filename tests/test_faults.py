"""Faults a city meets every year, each through the platform's own Dagster jobs, each ending with
nothing lost: a clear error naming the file and the rule, or a correct recovery; rows read =
loaded + quarantined; no row twice; open data changed only by whole, audited releases."""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from orchestration.alerts import alert_for
from orchestration.contracts import load_contracts
from orchestration.democity import api
from orchestration.ingest.delivery import extract
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.landing.errors import SourceUnavailable
from orchestration.night import demo_services, run_nightly
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths
from orchestration.warehouse import connect
from tests.conftest import NIGHT_1, NIGHT_2, TEST_KEY
from tests.invariants import (
    assert_nothing_lost,
    assert_the_lake_mirrors_raw,
    published_state,
    raw_fingerprint,
)
from tests.runs import failure_messages, run_job
from tests.test_rest import QuietServer

CONTRACTS = {c.key: c for c in load_contracts([BUILTIN_CONTRACTS_DIR])}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def night_1(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Paths:
    """The demo city after night 1, built through Dagster. Tests work on copies of it."""
    home = Paths(tmp_path_factory.mktemp("faults") / "home")
    shutil.copytree(demo_city, home.democity)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CITYBASE_HOME", str(home.home))
        env.setenv("DAGSTER_HOME", str(home.home / "dagster"))
        env.setenv("CITYBASE_PSEUDONYM_KEY", TEST_KEY)
        assert run_nightly(NIGHT_1, home, log_level="ERROR")
    return home


@pytest.fixture
def after_night_1(night_1: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    home = Paths(tmp_path / "home")
    shutil.copytree(night_1.home, home.home, symlinks=True)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    monkeypatch.setenv("DAGSTER_HOME", str(home.home / "dagster"))
    return home


def keys_of(contract_key: str) -> list:
    contract = CONTRACTS[contract_key]
    return [raw_asset_key(contract), *gtfs_table_keys(contract).values()]


def garbage(data: bytes) -> bytes:
    return random.Random(7).randbytes(4096)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def as_gbk(data: bytes) -> bytes:
    return data.decode("utf-8").encode("gbk")


def header_replaced(old: str, new: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        header, rest = data.decode("utf-8").split("\n", 1)
        return (header.replace(old, new, 1) + "\n" + rest).encode("utf-8")

    return change


def column_dropped(name: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        at = lines[0].split(",").index(name)
        kept = [",".join(v for i, v in enumerate(line.split(",")) if i != at) for line in lines]
        return ("\n".join(kept) + "\n").encode("utf-8")

    return change


def column_added(data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines()
    lines = [lines[0] + ",remark"] + [line + ",x" for line in lines[1:]]
    return ("\n".join(lines) + "\n").encode("utf-8")


HOURLY = f"environment/air_quality_hourly/{NIGHT_2}.csv"
HOTELS = f"tourism/hotel_occupancy/{NIGHT_2}.csv"
FILE_FAULTS = {
    # fault: (contract, delivered file, change, what the error says; None = loads)
    "binary garbage": ("environment__air_quality_hourly", HOURLY, garbage, "not valid utf-8"),
    "truncated zip": ("transport__gtfs", "transport/gtfs/gtfs.zip", truncated, "zip"),
    "GBK declared UTF-8": ("tourism__hotel_occupancy", HOTELS, as_gbk, "declared encoding"),
    "renamed required column": (
        "environment__air_quality_hourly",
        HOURLY,
        header_replaced("measured_at", "measure_time"),
        "missing required column(s) ['measured_at']",
    ),
    "missing column": (
        "environment__air_quality_hourly",
        HOURLY,
        column_dropped("station_id"),
        "missing required column(s) ['station_id']",
    ),
    "empty file": ("environment__air_quality_hourly", HOURLY, lambda _: b"", "empty file"),
    "extra column": ("environment__air_quality_hourly", HOURLY, column_added, None),
}


@pytest.mark.parametrize("fault", list(FILE_FAULTS))
def test_a_broken_file_is_refused_whole_and_its_repair_loads_once(
    after_night_1: Paths, fault: str
) -> None:
    contract_key, relative, change, problem = FILE_FAULTS[fault]
    home, keys = after_night_1, keys_of(contract_key)
    delivered = home.democity / relative
    original = delivered.read_bytes()
    served = published_state(home)
    delivered.write_bytes(change(original))

    broken = run_job(home, "nightly_extract", NIGHT_2, keys)
    if problem is None:
        assert broken.success
        with connect(home.warehouse, read_only=True) as con:
            drift = con.execute(
                "select message from raw._manifest where dataset = ? and partition_date = ? "
                "and status = 'loaded'",
                [CONTRACTS[contract_key].dataset, NIGHT_2],
            ).fetchone()[0]
        assert "extra column 'remark'" in drift
    else:
        [message] = failure_messages(broken)
        assert delivered.name in message and problem in message, message
    assert_nothing_lost(home)
    assert_the_lake_mirrors_raw(home)
    publish = run_job(home, "nightly_publish", NIGHT_2)
    assert publish.success or problem is not None
    if problem is not None:  # the bureau's datasets keep serving night 1's release
        assert published_state(home) == served

    delivered.write_bytes(original)
    repaired = run_job(home, "nightly_extract", NIGHT_2, keys)
    assert repaired.success, failure_messages(repaired)
    assert_nothing_lost(home)
    assert_the_lake_mirrors_raw(home)


def test_the_same_delivery_twice_changes_nothing(after_night_1: Paths) -> None:
    home = after_night_1
    before = raw_fingerprint(home)
    with demo_services(home):  # the tourism API, as on night 1
        again = run_job(home, "nightly_extract", NIGHT_1)
    assert again.success, failure_messages(again)
    assert raw_fingerprint(home) == before
    with connect(home.warehouse, read_only=True) as con:
        statuses = con.execute(
            "select distinct status from raw._manifest where landed_at > ("
            "  select max(landed_at) from raw._manifest where status = 'loaded')"
        ).fetchall()
    assert set(statuses) <= {("skipped_duplicate",)}
    assert_nothing_lost(home)
    assert_the_lake_mirrors_raw(home)


class FlakyProxy(BaseHTTPRequestHandler):
    """In front of the demo API: answers 500 to the first `failures` requests, hangs for
    `hang` seconds on the next `hangs`, then passes requests through."""

    upstream = ""
    failures = 0
    hangs = 0
    hang = 0.0
    calls = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cls = type(self)
        cls.calls += 1
        if cls.calls <= cls.failures:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if cls.calls <= cls.failures + cls.hangs:
            threading.Event().wait(cls.hang)
        answer = requests.get(
            cls.upstream + self.path,
            headers={"Authorization": self.headers.get("Authorization", "")},
            timeout=10,
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)


@pytest.fixture
def flaky_api(after_night_1: Paths, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CITYBASE_TOURISM_API_TOKEN", api.DEFAULT_TOKEN)
    with api.serve(after_night_1.democity) as upstream:
        FlakyProxy.upstream, FlakyProxy.calls = upstream, 0
        FlakyProxy.failures, FlakyProxy.hangs, FlakyProxy.hang = 0, 0, 0.0
        server = QuietServer(("127.0.0.1", 0), FlakyProxy)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        monkeypatch.setenv(
            "CITYBASE_TOURISM_API_URL", f"http://127.0.0.1:{server.server_address[1]}"
        )
        yield FlakyProxy
        server.shutdown()
        server.server_close()


def test_an_api_that_answers_500_is_retried_by_the_step_until_it_recovers(
    after_night_1: Paths, flaky_api
) -> None:
    contract = CONTRACTS["tourism__gate_entries"]
    flaky_api.failures = 1 + contract.rest.retries  # more than the connector's own retries
    result = run_job(after_night_1, "nightly_extract", NIGHT_2, [raw_asset_key(contract)])
    assert result.success, failure_messages(result)
    retried = [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    assert len(retried) == 1
    assert flaky_api.calls > flaky_api.failures
    assert_nothing_lost(after_night_1)
    assert_the_lake_mirrors_raw(after_night_1)


def test_an_api_that_times_out_fails_clearly_then_loads_when_it_answers(
    after_night_1: Paths, flaky_api
) -> None:
    contract = CONTRACTS["tourism__gate_entries"]
    quick = contract.model_copy(
        update={"rest": contract.rest.model_copy(update={"timeout_seconds": 0.3, "retries": 1})}
    )
    flaky_api.hangs, flaky_api.hang = 2, 2.0
    with connect(after_night_1.warehouse) as con:
        with pytest.raises(SourceUnavailable, match="no answer"):
            extract(con, quick, NIGHT_2, after_night_1)
        [result] = extract(con, quick, NIGHT_2, after_night_1)
    assert result.status == "loaded" and result.rows_loaded > 0
    assert_nothing_lost(after_night_1)


POSTGRES_URL = os.environ.get("CITYBASE_TEST_POSTGRES_URL")


def free_port() -> int:
    """A loopback port nothing listens on (once the probe that found it has closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TcpProxy:
    """A TCP port that forwards to the PostgreSQL server while it is up: 'the database' as
    the platform sees it, taken down and brought back by closing and reopening the port."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self.listener:
            self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL (CITYBASE_TEST_POSTGRES_URL)")
def test_a_database_that_is_down_fails_clearly_and_loads_once_it_is_back(
    after_night_1: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from tests.test_sql import copy_applications_to_postgresql

    copy_applications_to_postgresql(after_night_1, POSTGRES_URL)
    real = make_url(POSTGRES_URL)
    port = free_port()
    proxied = real.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    monkeypatch.setenv("CITYBASE_GOV_SERVICES_DB_URL", proxied)
    contract = CONTRACTS["gov_services__applications"]
    with connect(after_night_1.warehouse) as con, pytest.raises(SourceUnavailable) as down:
        extract(con, contract, NIGHT_2, after_night_1)
    message = str(down.value)
    assert f"127.0.0.1:{port}" in message and f":{real.password}@" not in message
    assert_nothing_lost(after_night_1)
    proxy = TcpProxy(port, (real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    try:
        result = run_job(after_night_1, "nightly_extract", NIGHT_2, [raw_asset_key(contract)])
    finally:
        proxy.stop()
    assert result.success, failure_messages(result)
    with connect(after_night_1.warehouse, read_only=True) as con:
        read = con.execute(
            "select rows_read from raw._manifest where dataset = 'applications' "
            "and partition_date = ? and status = 'loaded'",
            [NIGHT_2],
        ).fetchone()[0]
    with sa.create_engine(POSTGRES_URL).connect() as pg:
        expected = pg.execute(
            sa.text("select count(*) from applications where cast(submitted_at as date) = :d"),
            {"d": NIGHT_2},
        ).scalar()
    assert read == expected > 0  # every row read: loaded or quarantined (checked next)
    assert_nothing_lost(after_night_1)


def test_a_personal_file_without_its_header_leaks_nothing(after_night_1: Paths) -> None:
    """The health bureau forgets the header row: its first data row (an ID number, a name, a
    phone) is what a reader takes for the header. The delivery fails naming the file; no message,
    manifest entry, event or compute log, alert body or report carries any of those values."""
    home = after_night_1
    delivered = home.democity / f"health/outpatient_visits/{NIGHT_2}.csv"
    header, first, rest = delivered.read_bytes().decode("gbk").split("\n", 2)
    values = dict(zip(header.split(","), first.split(","), strict=True))
    secrets = [values["patient_id_number"], values["patient_name"], values["patient_phone"]]
    delivered.write_bytes(f"{first}\n{rest}".encode("gbk"))

    log = io.StringIO()
    with contextlib.redirect_stderr(log):
        assert not run_nightly(NIGHT_2, home, log_level="INFO")
    with DagsterInstance.get() as instance:
        [run] = instance.get_runs(
            RunsFilter(job_name="nightly_extract", statuses=[DagsterRunStatus.FAILURE])
        )
        failures = [
            e.dagster_event
            for e in instance.all_logs(run.run_id)
            if e.dagster_event and e.dagster_event.is_step_failure
        ]
    alert = alert_for(run, failures).text
    assert delivered.name in alert and "missing required column" in alert
    with connect(home.warehouse, read_only=True) as con:
        recorded = (
            con.execute(
                "select coalesce(string_agg(message, ' '), '') from raw._manifest"
            ).fetchone()[0]
            + con.execute(
                "select coalesce(string_agg(record_masked, ' '), '') from raw._quarantine"
            ).fetchone()[0]
        )
    written = [p for folder in ("dagster", "reports") for p in (home.home / folder).rglob("*")]
    for secret in secrets:
        assert secret not in alert and secret not in log.getvalue() and secret not in recorded
        for path in written:
            if path.is_file():
                data = path.read_bytes()
                assert secret.encode() not in data and secret.encode("gbk") not in data, path


def test_a_night_whose_api_and_database_are_absent_does_not_wait_on_retries(
    after_night_1: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tourism API's port refuses connections and the services database file is gone: a
    headless night names both as absent, fails their steps at once (no step retries, which in
    production wait 30 s, 60 s and 120 s), and lands, builds and publishes everything else."""
    home = after_night_1
    port = free_port()  # nothing listens on it
    monkeypatch.setenv("CITYBASE_TOURISM_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("CITYBASE_GOV_SERVICES_DB_URL", f"sqlite:///{home.home / 'gone.sqlite'}")
    log = io.StringIO()
    with contextlib.redirect_stderr(log):
        night = run_nightly(NIGHT_2, home, log_level="ERROR")
    assert not night.success
    named = [line for line in log.getvalue().splitlines() if ": absent (" in line]
    assert {line.split("/")[0] for line in named} == {"tourism", "gov_services"}, named
    with DagsterInstance.get() as instance:
        [run] = instance.get_runs(
            RunsFilter(job_name="nightly_extract", statuses=[DagsterRunStatus.FAILURE])
        )
        events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
    assert not [e for e in events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    failed = {e.step_key for e in events if e.is_step_failure}
    assert failed and all(("tourism" in s or "gov_services" in s) for s in failed), failed
    assert night.seconds["nightly_build"] > 0 and night.seconds["nightly_publish"] > 0
    assert_nothing_lost(home)
    assert_the_lake_mirrors_raw(home)
