"""The tourism bureau's REST API, as the demo city runs it: paged JSON behind a bearer token.

A real HTTP server on 127.0.0.1 (standard library, threaded) that pages through the JSON lines
the generator wrote. `serve()` starts it in a background thread and stops it on exit.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "democity-token"


def _handler(root: Path, token: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the nightly's terminal readable
            pass

        def _send(self, status: int, body: dict) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self._send(401, {"error": "missing or wrong bearer token"})
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/api/v1/attractions":
                source = root / "attractions.jsonl"
            elif url.path == "/api/v1/gate-entries" and "date" in query:
                source = root / "gate_entries" / f"{Path(query['date']).name}.jsonl"
            else:
                return self._send(404, {"error": f"no such resource {url.path}"})
            if not source.is_file():
                return self._send(404, {"error": f"nothing published for {query.get('date')}"})
            try:
                page, size = int(query.get("page", 1)), min(int(query.get("page_size", 100)), 5000)
            except ValueError:
                return self._send(400, {"error": "page and page_size must be integers"})
            lines = source.read_text(encoding="utf-8").splitlines()
            items = [json.loads(line) for line in lines[(page - 1) * size : page * size]]
            more = page * size < len(lines)
            self._send(
                200,
                {
                    "items": items,
                    "page": page,
                    "page_size": size,
                    "total": len(lines),
                    "next_page": page + 1 if more else None,
                },
            )

    return Handler


@contextmanager
def serve(democity: Path, port: int = 0) -> Iterator[str]:
    """Serves the demo tourism API; yields its base URL (http://127.0.0.1:<port>)."""
    token = os.environ.get("CITYBASE_TOURISM_API_TOKEN", DEFAULT_TOKEN)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(democity / "tourism" / "api", token))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
