"""Running the sharing service: its settings from the environment, and uvicorn on them.

CITYBASE_SERVE_HOST (default 127.0.0.1: nothing outside this machine reaches it until an
operator says so), CITYBASE_SERVE_PORT (8500), CITYBASE_PUBLIC_URL (the address in the
catalogue's URLs), CITYBASE_SHARING_DB (state database URL), CITYBASE_SHARING_RATE_PER_MINUTE
(600 per caller), CITYBASE_SHARING_ADMIN_KEY or CITYBASE_SHARING_ADMIN_KEY_FILE (registers
consumers over the API; without it, registration is by the command line only).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from orchestration.settings import Paths, SettingsError, public_url
from orchestration.sharing.state import database_url, engine_for

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8500


def _integer(variable: str, default: int) -> int:
    text = os.environ.get(variable, "").strip() or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{variable}={text!r}: give a whole number above 0")
    return int(text)


def _admin_key() -> str | None:
    key = os.environ.get("CITYBASE_SHARING_ADMIN_KEY", "").strip()
    key_file = os.environ.get("CITYBASE_SHARING_ADMIN_KEY_FILE", "").strip()
    if not key and key_file:
        key = Path(key_file).read_text(encoding="utf-8").strip()
    if key and len(key) < 32:
        raise SettingsError("the sharing admin key must be at least 32 characters")
    return key or None


def state_engine(paths: Paths):
    return engine_for(database_url(paths.home))


def config(paths: Paths):
    from orchestration.bureaus import providers
    from orchestration.contracts import load_contracts
    from orchestration.sharing.http import ServiceConfig

    return ServiceConfig(
        paths=paths,
        engine=state_engine(paths),
        base_url=public_url(),
        providers=providers(load_contracts()),
        rate_per_minute=_integer("CITYBASE_SHARING_RATE_PER_MINUTE", 600),
        admin_key=_admin_key(),
    )


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on now: for a service started beside others (bench, tests)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def address() -> tuple[str, int]:
    host = os.environ.get("CITYBASE_SERVE_HOST", "").strip() or DEFAULT_HOST
    return host, _integer("CITYBASE_SERVE_PORT", DEFAULT_PORT)


def serve(paths: Paths, host: str, port: int) -> None:
    import uvicorn

    from orchestration.sharing.app import create_app

    if not (paths.open_data / "catalog.json").exists():
        raise SettingsError(f"nothing is published under {paths.open_data}: run `make demo` first")
    uvicorn.run(create_app(config(paths)), host=host, port=port, log_level="info")
