"""The REST connector against real HTTP servers on 127.0.0.1: the demo API and a flaky one."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orchestration.connectors.rest import fetch_pages
from orchestration.contracts import load_contracts
from orchestration.democity import api
from orchestration.ingest.delivery import extract
from orchestration.landing.errors import DeliveryError, DeliveryMissing
from orchestration.settings import BUILTIN_CONTRACTS_DIR, Paths

DAY = dt.date(2026, 9, 30)
CONTRACTS = {c.key: c for c in load_contracts([BUILTIN_CONTRACTS_DIR])}


@pytest.fixture
def demo_api(demo_home: Paths, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CITYBASE_TOURISM_API_TOKEN", "t0ken")
    with api.serve(demo_home.democity) as url:
        monkeypatch.setenv("CITYBASE_TOURISM_API_URL", url)
        yield url


def test_every_page_is_fetched_and_loaded(demo_api: str, demo_home: Paths, con) -> None:
    delivered = (
        (demo_home.democity / "tourism/api/gate_entries/2026-09-30.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    contract = CONTRACTS["tourism__gate_entries"]
    small_pages = contract.model_copy(
        update={"rest": contract.rest.model_copy(update={"page_size": 100})}
    )
    [result] = extract(con, small_pages, DAY, demo_home)
    assert result.rows_read == len(delivered) > 300  # several pages of 100
    assert result.rows_loaded == len(delivered)
    first = json.loads(delivered[0])
    row = con.execute(
        "select entry_id, _row_number from raw.tourism__gate_entries order by _row_number limit 1"
    ).fetchone()
    assert row == (first["entry_id"], 1)
    pages = Path(demo_home.home / result.landed_file).read_text().splitlines()
    assert len(pages) == -(-len(delivered) // 100)


def test_wrong_token_is_an_error_that_says_so(
    demo_api: str, demo_home: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBASE_TOURISM_API_TOKEN", "wrong")
    with pytest.raises(DeliveryError, match="HTTP 401"):
        fetch_pages(
            CONTRACTS["tourism__attractions"], DAY, demo_home.home, demo_home.home / "p.jsonl"
        )


def test_a_day_the_api_does_not_have_is_missing(demo_api: str, demo_home: Paths) -> None:
    with pytest.raises(DeliveryMissing, match="404"):
        fetch_pages(
            CONTRACTS["tourism__gate_entries"],
            dt.date(2020, 1, 1),
            demo_home.home,
            demo_home.home / "p.jsonl",
        )


class Flaky(BaseHTTPRequestHandler):
    """Answers 500 to the first `failures` requests, then one page of two items."""

    failures = 2
    calls = 0
    delay = 0.0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).delay:
            threading.Event().wait(type(self).delay)
        if type(self).calls <= type(self).failures:
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps(
            {
                "items": [
                    {
                        "attraction_id": "T1",
                        "name": "a",
                        "a_level": "AAA",
                        "community_code": "339902001001",
                    }
                ]
                * 2,
                "next_page": None,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the timeout test hangs up on purpose; a broken pipe here is expected


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch):
    Flaky.calls, Flaky.failures, Flaky.delay = 0, 2, 0.0
    server = QuietServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CITYBASE_TOURISM_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("CITYBASE_TOURISM_API_TOKEN", "any")
    yield Flaky
    server.shutdown()
    server.server_close()


def test_server_errors_are_retried_with_backoff(flaky, tmp_path: Path) -> None:
    items = fetch_pages(CONTRACTS["tourism__attractions"], DAY, tmp_path, tmp_path / "p.jsonl")
    assert len(items) == 2
    assert flaky.calls == 3


def test_persistent_errors_fail_after_the_retries(flaky, tmp_path: Path) -> None:
    flaky.failures = 100
    with pytest.raises(DeliveryError, match="500"):
        fetch_pages(CONTRACTS["tourism__attractions"], DAY, tmp_path, tmp_path / "p.jsonl")
    assert flaky.calls == 1 + CONTRACTS["tourism__attractions"].rest.retries


def test_a_server_that_hangs_times_out(flaky, tmp_path: Path) -> None:
    contract = CONTRACTS["tourism__attractions"]
    quick = contract.model_copy(
        update={"rest": contract.rest.model_copy(update={"timeout_seconds": 0.2, "retries": 1})}
    )
    flaky.failures, flaky.delay = 0, 1.0
    with pytest.raises(DeliveryError, match="no answer"):
        fetch_pages(quick, DAY, tmp_path, tmp_path / "p.jsonl")
