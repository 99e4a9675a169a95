"""The sharing service, as its clients meet it: a real uvicorn server on 127.0.0.1 over the
two nights' published data (the `two_nights` fixture), CKAN's own client `ckanapi`, httpx, the
state in SQLite and, where CITYBASE_TEST_POSTGRES_URL names one, in PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ckanapi
import httpx
import pytest
import uvicorn
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import delete, update

from orchestration import clock
from orchestration.bureaus import providers
from orchestration.contracts import load_contracts
from orchestration.publish.datasets import open_datasets
from orchestration.publish.releases import current
from orchestration.publish.run import destination
from orchestration.reports.nightly import write_reports
from orchestration.settings import Paths
from orchestration.sharing import audit, grants, registry
from orchestration.sharing.app import create_app
from orchestration.sharing.http import ServiceConfig
from orchestration.sharing.report import sharing_section
from orchestration.sharing.service import free_port
from orchestration.sharing.state import access_log, engine_for, metadata
from orchestration.warehouse import connect
from tests.conftest import NIGHT_2, TwoNights

CONDITIONAL = "district-od-daily"
OPEN = "route-boardings-daily"
PURPOSE = "timetable planning for the city's transport app"


@contextlib.contextmanager
def running(config: ServiceConfig) -> Iterator[str]:
    """The service on a free loopback port, in a uvicorn server of this process."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the sharing service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


@pytest.fixture(params=["sqlite", "postgres"])
def state_url(request, tmp_path: Path) -> str:
    """The state database: SQLite (the default) and PostgreSQL (production)."""
    if request.param == "sqlite":
        return _sqlite(tmp_path)
    url = os.environ.get("CITYBASE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CITYBASE_TEST_POSTGRES_URL is not set under CI")
        pytest.skip("no PostgreSQL: set CITYBASE_TEST_POSTGRES_URL to test the state on it")
    metadata.drop_all(engine_for(url))
    metadata.create_all(engine_for(url))
    return url


@dataclass
class Service:
    url: str
    config: ServiceConfig

    @property
    def engine(self):
        return self.config.engine

    def ckan(self, key: str | None = None) -> ckanapi.RemoteCKAN:
        return ckanapi.RemoteCKAN(self.url, apikey=key)


def _config(two_nights: TwoNights, url: str, **options) -> ServiceConfig:
    return ServiceConfig(
        paths=two_nights.home,
        engine=engine_for(url),
        base_url="http://127.0.0.1",
        providers=providers(load_contracts()),
        **options,
    )


def _service(two_nights: TwoNights, url: str) -> Iterator[Service]:
    config = _config(two_nights, url, rate_per_minute=100_000)
    with running(config) as address:
        yield Service(address, config)


@pytest.fixture
def service(two_nights: TwoNights, tmp_path: Path) -> Iterator[Service]:
    """The service with its state in SQLite: for what does not depend on the state database."""
    yield from _service(two_nights, _sqlite(tmp_path))


@pytest.fixture
def stateful_service(two_nights: TwoNights, state_url: str) -> Iterator[Service]:
    """The service on each state database: for grants and the access log."""
    yield from _service(two_nights, state_url)


def _consumer(engine, name: str, kind: str = "platform", bureau: str | None = None) -> str:
    registry.register(engine, name, kind, bureau)
    return registry.issue_key(engine, name)[0]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _text(value) -> str:
    """A JSON value as the CSV writes it (integers without a decimal point, NULL empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.slow
def test_ckanapi_lists_the_catalogue_and_reads_exactly_the_published_rows(
    service: Service, two_nights: TwoNights
) -> None:
    home, ckan = two_nights.home, service.ckan()
    served = {
        d.id
        for d in open_datasets()
        if (root := destination(home, d)) is not None and current(root, d.id) is not None
    }
    catalogued = set()
    for root in (home.open_data, home.conditional_share):
        graph = Graph().parse(root / "catalog.json", format="json-ld")
        catalogued |= {
            str(graph.value(d, DCTERMS.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)
        }
    assert sorted(ckan.action.package_list()) == sorted(served) == sorted(catalogued)

    for path, fmt in (("/catalog.ttl", "turtle"), ("/catalog.jsonld", "json-ld")):
        graph = Graph().parse(data=httpx.get(service.url + path).text, format=fmt)
        listed = {
            str(graph.value(d, DCTERMS.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)
        }
        assert listed == served  # the service's catalogue lists conditional datasets too

    package = ckan.action.package_show(id=OPEN)
    assert package["organization"]["name"] == "transport"
    assert {r["format"] for r in package["resources"]} == {"CSV", "PARQUET"}
    rows = _csv_rows(home.open_data / OPEN / "current" / f"{OPEN}.csv")
    got, offset = [], 0
    while True:  # paging, as a harvester pages
        page = ckan.action.datastore_search(resource_id=OPEN, limit=7, offset=offset)
        assert page["total"] == len(rows)
        got += page["records"]
        offset += 7
        if not page["records"]:
            break
    names = list(rows[0])
    assert sorted(tuple(_text(r[n]) for n in names) for r in got) == sorted(
        tuple(r[n] for n in names) for r in rows
    )
    route = rows[0]["route_id"]
    filtered = ckan.action.datastore_search(
        resource_id=OPEN, filters={"route_id": route}, fields=["date_day", "boardings"], limit=1000
    )
    assert filtered["total"] == sum(r["route_id"] == route for r in rows)
    assert all(set(r) == {"date_day", "boardings"} for r in filtered["records"])
    found = ckan.action.package_search(q="公交", fq="organization:transport")
    assert OPEN in {p["name"] for p in found["results"]}
    assert ckan.action.organization_list() == sorted(
        {d.bureau for d in open_datasets() if d.id in served}
    )
    counted = ckan.action.datastore_search_sql(sql=f'select count(*) as n from "{OPEN}"')
    assert counted["records"] == [{"n": len(rows)}]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")


@pytest.mark.slow
def test_conditional_data_needs_a_live_grant_from_its_bureau(
    stateful_service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = stateful_service
    engine = service.engine
    app_key = _consumer(engine, "transport-app")
    bureau_key = _consumer(engine, "transport-bureau", "bureau", "transport")
    other_bureau = _consumer(engine, "health-bureau", "bureau", "health")
    client = httpx.Client(base_url=service.url, timeout=30)

    def search(key: str | None) -> int:
        headers = {"Authorization": key} if key else {}
        return client.get(
            "/api/3/action/datastore_search", params={"resource_id": CONDITIONAL}, headers=headers
        ).status_code

    assert search(None) == 401
    assert search(app_key) == 403
    with pytest.raises(ckanapi.NotAuthorized):
        service.ckan(app_key).action.datastore_search(resource_id=CONDITIONAL)
    assert (
        client.get(
            f"/share/{CONDITIONAL}/{CONDITIONAL}.csv", headers={"Authorization": app_key}
        ).status_code
        == 403
    )

    applied = client.post(
        "/api/sharing/applications",
        json={"dataset": CONDITIONAL, "purpose": PURPOSE, "grant_days": 30},
        headers={"Authorization": app_key},
    )
    assert applied.status_code == 201, applied.text
    application = applied.json()["id"]
    # only the owner bureau decides
    assert (
        client.post(
            f"/api/sharing/applications/{application}/approve",
            json={},
            headers={"Authorization": other_bureau},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/sharing/applications/{application}/approve",
            json={},
            headers={"Authorization": app_key},
        ).status_code
        == 403
    )
    approved = client.post(
        f"/api/sharing/applications/{application}/approve",
        json={},
        headers={"Authorization": bureau_key},
    )
    assert approved.status_code == 200, approved.text
    assert search(app_key) == 200
    assert (
        client.get(
            f"/share/{CONDITIONAL}/{CONDITIONAL}.csv", headers={"Authorization": app_key}
        ).status_code
        == 200
    )

    # past its expiry (30 days on), the grant no longer opens the data
    later = clock.now() + dt.timedelta(days=31)
    monkeypatch.setenv("CITYBASE_NOW", later.isoformat(timespec="seconds"))
    assert search(app_key) == 403
    monkeypatch.delenv("CITYBASE_NOW")
    assert search(app_key) == 200
    grant = client.get("/api/sharing/grants", headers={"Authorization": app_key}).json()[0]["id"]
    revoked = client.post(
        f"/api/sharing/grants/{grant}/revoke",
        json={"reason": "purpose ended"},
        headers={"Authorization": bureau_key},
    )
    assert revoked.status_code == 200
    assert search(app_key) == 403

    again = client.post(
        "/api/sharing/applications",
        json={"dataset": CONDITIONAL, "purpose": PURPOSE},
        headers={"Authorization": app_key},
    ).json()["id"]
    denied = client.post(
        f"/api/sharing/applications/{again}/deny",
        json={"reason": "不符合共享用途 / purpose not covered"},
        headers={"Authorization": bureau_key},
    )
    assert denied.json()["status"] == "denied"
    mine = client.get(
        f"/api/sharing/applications/{again}", headers={"Authorization": app_key}
    ).json()
    assert mine["reason"] == "不符合共享用途 / purpose not covered"

    # a field-limited grant shows only those fields
    limited = client.post(
        "/api/sharing/applications",
        json={"dataset": CONDITIONAL, "purpose": PURPOSE, "fields": ["date_day", "journeys"]},
        headers={"Authorization": app_key},
    ).json()["id"]
    client.post(
        f"/api/sharing/applications/{limited}/approve",
        json={},
        headers={"Authorization": bureau_key},
    )
    page = service.ckan(app_key).action.datastore_search(resource_id=CONDITIONAL)
    assert {f["id"] for f in page["fields"]} == {"date_day", "journeys"}
    assert (
        client.get(
            f"/share/{CONDITIONAL}/{CONDITIONAL}.csv", headers={"Authorization": app_key}
        ).status_code
        == 403
    )

    # a revoked key and a malformed key are refused
    prefix = app_key.split("_")[1]
    registry.revoke_key(engine, prefix)
    assert search(app_key) == 401
    assert search("cb_not-a-key") == 401


def test_an_answer_is_due_in_working_days_on_chinas_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applied on Tuesday 29 September 2026 with 3 working days to answer: 30 September, then
    the National Day holiday (1–7 October, not counted), 8 and 9 October. Due on the 9th,
    overdue on Saturday the 10th (a make-up workday)."""
    engine = engine_for(_sqlite(tmp_path))
    consumer = registry.register(engine, "tourism-app", "platform")
    monkeypatch.setenv("CITYBASE_SHARING_ANSWER_DAYS", "3")
    monkeypatch.setenv("CITYBASE_NOW", "2026-09-29T10:00")
    offered = grants.Requested(CONDITIONAL, "transport", ("date_day", "journeys"))
    application = grants.apply(engine, consumer, offered, PURPOSE)
    assert application["due_on"] == dt.date(2026, 10, 9)
    assert grants.escalate(engine, today=dt.date(2026, 10, 9)) == []
    overdue = grants.escalate(engine, today=dt.date(2026, 10, 10))
    assert [a["id"] for a in overdue] == [application["id"]]
    assert overdue[0]["escalated_at"] is not None
    with pytest.raises(grants.SharingError, match="no field"):
        grants.apply(engine, consumer, offered, PURPOSE, fields=["card_pseudonym"])


def _verify(home: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "audit", "verify"],
        env={**os.environ, "CITYBASE_HOME": str(home), "CITYBASE_SHARING_DB": url},
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_every_access_is_logged_and_tampering_is_detected(
    stateful_service: Service, state_url: str, tmp_path: Path
) -> None:
    service = stateful_service
    ckan = service.ckan()
    for _ in range(3):
        ckan.action.datastore_search(resource_id=OPEN, limit=5)
    with service.engine.connect() as db:
        entries = db.execute(access_log.select().order_by(access_log.c.seq)).all()
    reads = [e for e in entries if e.dataset == OPEN]
    assert len(reads) == 3 and all(e.rows == 5 and e.status == 200 for e in reads)
    assert _verify(tmp_path, state_url).returncode == 0

    with service.engine.begin() as db:
        db.execute(update(access_log).where(access_log.c.seq == reads[1].seq).values(rows=0))
    edited = _verify(tmp_path, state_url)
    assert (
        edited.returncode == 1 and f"entry {reads[1].seq}: its content was changed" in edited.stdout
    )
    with service.engine.begin() as db:
        db.execute(update(access_log).where(access_log.c.seq == reads[1].seq).values(rows=5))
        db.execute(delete(access_log).where(access_log.c.seq == reads[0].seq))
    deleted = _verify(tmp_path, state_url)
    assert deleted.returncode == 1 and "missing (deleted)" in deleted.stdout


@pytest.mark.slow
def test_a_caller_over_its_rate_is_told_when_to_come_back(
    two_nights: TwoNights, tmp_path: Path
) -> None:
    config = _config(two_nights, _sqlite(tmp_path), rate_per_minute=60)
    with running(config) as url, httpx.Client(base_url=url) as client:
        answers = [
            client.get("/api/3/action/package_list") for _ in range(config.rate_per_minute // 6 + 1)
        ]
    assert [a.status_code for a in answers[:-1]] == [200] * (len(answers) - 1)
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) >= 1


HOSTILE_SQL = [
    'drop table published."route-boardings-daily"',
    "select * from read_csv('/etc/passwd')",
    "select * from '/etc/passwd'",
    f'select 1; drop table "{OPEN}"',
    "attach '/tmp/x.duckdb' as x",
    f'select * from published."{OPEN}"',
    "select * from duckdb_settings()",
    f'select * from "{CONDITIONAL}"',  # conditional, no grant
    "copy (select 1) to '/tmp/out.csv'",
    "pragma database_list",
    "select current_setting('enable_external_access')) x",
]


@pytest.mark.slow
def test_hostile_input_through_every_parameter_fails_cleanly(service: Service) -> None:
    client = httpx.Client(base_url=service.url, timeout=30)
    for sql in HOSTILE_SQL:
        answer = client.get("/api/3/action/datastore_search_sql", params={"sql": sql})
        assert answer.status_code in (400, 403, 404), (sql, answer.text)
        assert answer.json()["success"] is False and "Traceback" not in answer.text
    hostile = [
        {"resource_id": f"{OPEN}'; drop table x; --"},
        {"resource_id": "../../warehouse.duckdb"},
        {"resource_id": OPEN, "fields": '["route_id\\" from x; --"]'},
        {"resource_id": OPEN, "sort": "route_id; drop table x"},
        {"resource_id": OPEN, "filters": '{"route_id\\"": "x"}'},
        {"resource_id": OPEN, "filters": '{"route_id": "x\' or 1=1 --"}'},
        {"resource_id": OPEN, "limit": "-1"},
        {"resource_id": OPEN, "limit": "1e9"},
        {"resource_id": OPEN, "filters": "{not json"},
    ]
    for params in hostile:
        answer = client.get("/api/3/action/datastore_search", params=params)
        if params.get("filters") == '{"route_id": "x\' or 1=1 --"}':
            assert answer.status_code == 200 and answer.json()["result"]["total"] == 0
            continue
        assert answer.status_code in (400, 404), (params, answer.text)
        assert answer.json()["success"] is False and "Traceback" not in answer.text
    for path in (
        f"/open-data/{OPEN}/../../warehouse.duckdb",
        "/open-data/%2e%2e/warehouse.duckdb",
        f"/open-data/{OPEN}/..%2f..%2fwarehouse.duckdb",
        f"/open-data/{CONDITIONAL}/{CONDITIONAL}.csv",  # conditional data is not open data
        "/share/../../landing",
    ):
        answer = client.get(path)
        assert answer.status_code in (401, 403, 404), (path, answer.status_code)
        assert b"SQLite format" not in answer.content and b"DUCK" not in answer.content[:16]
    bad = client.post(
        "/api/sharing/applications", content=b"{oops", headers={"Authorization": "cb_x"}
    )
    assert bad.status_code == 401
    assert client.get("/api/3/action/not_an_action").status_code == 404


@pytest.mark.slow
def test_a_thousand_requests_at_concurrency_16_all_succeed(service: Service) -> None:
    limits = httpx.Limits(max_connections=16)
    with httpx.Client(base_url=service.url, timeout=60, limits=limits) as client:

        def one(i: int) -> int:
            params = {"resource_id": OPEN, "limit": 10, "offset": i % 50}
            return client.get("/api/3/action/datastore_search", params=params).status_code

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(one, range(1000)))
    assert statuses.count(200) == 1000


@pytest.mark.slow
def test_the_bureau_report_lists_who_read_its_data_and_what_waits_for_it(
    two_nights: TwoNights, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Paths(tmp_path / "home")
    home.home.mkdir()
    shutil.copy(two_nights.home.warehouse, home.warehouse)
    url = _sqlite(tmp_path)
    monkeypatch.setenv("CITYBASE_SHARING_DB", url)
    engine = engine_for(url)
    consumer = registry.register(engine, "transport-app", "platform")
    monkeypatch.setenv("CITYBASE_NOW", f"{NIGHT_2}T12:00")
    for rows in (10, 5):
        audit.record(
            engine,
            audit.Access(
                "transport-app", "GET", "/api/3/action/datastore_search", 200, OPEN, rows=rows
            ),
        )
    audit.record(
        engine, audit.Access(None, "GET", "/api/3/action/datastore_search", 403, CONDITIONAL)
    )
    offered = grants.Requested(CONDITIONAL, "transport", ("date_day", "journeys"))
    waiting = grants.apply(engine, consumer, offered, PURPOSE)
    # the report is written the night after 10 working days have passed: the application is
    # overdue there, and the report escalates it
    due = grants.application(engine, waiting["id"])["due_on"]
    monkeypatch.setenv("CITYBASE_NOW", f"{due + dt.timedelta(days=1)}T02:00")
    with connect(home.warehouse) as con:
        write_reports(
            con,
            home,
            NIGHT_2,
            load_contracts(),
            {"transport"},
            sharing=lambda bureau: sharing_section(home, bureau, NIGHT_2),
        )
    report = json.loads(
        (home.reports / "transport" / f"{NIGHT_2}.json").read_text(encoding="utf-8")
    )
    sharing = report["sharing"]
    assert sharing["accesses"] == [
        {"consumer": "transport-app", "dataset": OPEN, "requests": 2, "rows": 15}
    ]  # the refused request is logged but is not an access
    assert [(a["id"], a["overdue"]) for a in sharing["pending"]] == [(waiting["id"], True)]
    assert grants.application(engine, waiting["id"])["escalated_at"] is not None
    assert sharing["log_entries"] == 3
    html = (home.reports / "transport" / f"{NIGHT_2}.html").read_text(encoding="utf-8")
    assert "transport-app" in html and "Who accessed this bureau's data" in html
