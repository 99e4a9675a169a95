"""What every route of the sharing service shares: its configuration and running parts (on
`app.state.service`), the caller of a request, what a handler read (for the access log), and
errors as clients read them (CKAN's envelope on CKAN's paths, `{"error": …}` elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from orchestration.bureaus import Providers
from orchestration.settings import Paths
from orchestration.sharing import registry
from orchestration.sharing.ckan import Caller
from orchestration.sharing.dp import Resolver
from orchestration.sharing.errors import Forbidden, SharingError, TooManyRequests, Unauthenticated
from orchestration.sharing.limits import RateLimiter
from orchestration.sharing.published import Exchange

CKAN_HELP = "https://docs.ckan.org/en/latest/api/"


@dataclass
class ServiceConfig:
    paths: Paths
    engine: Engine
    base_url: str
    providers: Providers  # who publishes what the catalogue lists (from the contracts)
    rate_per_minute: int = 600
    admin_key: str | None = None  # registers consumers over the API; None: CLI only


@dataclass
class Service:
    """One running service: its configuration and what it keeps between requests."""

    config: ServiceConfig
    exchange: Exchange
    resolver: Resolver
    limiter: RateLimiter

    @property
    def engine(self) -> Engine:
        return self.config.engine


@dataclass
class Logged:
    """What a handler read, for the access log."""

    dataset: str | None = None
    fields: list[str] | None = None
    query: str | None = None
    rows: int | None = None


def service(request: Request) -> Service:
    return request.app.state.service


def api_key(request: Request) -> str | None:
    value = request.headers.get("x-ckan-api-key") or request.headers.get("authorization")
    if not value:
        return None
    return value.removeprefix("Bearer ").strip()


def consumer_of(request: Request) -> registry.Consumer:
    if request.state.consumer is None:
        raise Unauthenticated("send your API key in the Authorization header")
    return request.state.consumer


def require_admin(request: Request) -> None:
    admin_key = service(request).config.admin_key
    if admin_key is None or api_key(request) != admin_key:
        raise Forbidden("registering consumers needs the operator's admin key")


def caller(request: Request) -> Caller:
    running = service(request)
    return Caller(
        running.engine, request.state.consumer, running.exchange.offer(), running.config.base_url
    )


def is_ckan(path: str) -> bool:
    """CKAN's clients call /api/3/action/<name> or, like ckanapi, /api/action/<name>."""
    return path.startswith(("/api/3/", "/api/action/"))


def error_response(error: SharingError, ckan: bool) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else {}
    body = (
        {
            "help": CKAN_HELP,
            "success": False,
            "error": {"__type": error.ckan_type, "message": str(error)},
        }
        if ckan
        else {"error": str(error)}
    )
    return JSONResponse(body, status_code=error.status, headers=headers)
