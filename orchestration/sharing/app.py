"""The sharing service's HTTP application (FastAPI): CKAN's Action API, the DCAT-AP catalogue,
the published files, and the exchange's own API for applications and grants.

Every request passes one middleware that knows the caller (API key in `Authorization` or
`X-CKAN-API-Key`), applies the rate limit and the daily quota, and writes the access log entry
after the answer, with what the handler says it read (dataset, fields, query, rows). Errors
answer with what is wrong, never with internals; the full error goes to the operator's log.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from orchestration.publish.catalog import dcat_catalog
from orchestration.publish.dcat import FORMATS, as_jsonld, as_turtle
from orchestration.settings import Paths
from orchestration.sharing import asking, audit, budget, dp, grants, registry
from orchestration.sharing.ckan import ACTIONS, Caller
from orchestration.sharing.errors import (
    Forbidden,
    NotFound,
    SharingError,
    TooManyRequests,
    Unauthenticated,
)
from orchestration.sharing.limits import RateLimiter
from orchestration.sharing.published import Exchange

log = logging.getLogger("citybase.sharing")
CKAN_HELP = "https://docs.ckan.org/en/latest/api/"


@dataclass
class ServiceConfig:
    paths: Paths
    engine: Engine
    base_url: str
    rate_per_minute: int = 600
    admin_key: str | None = None  # registers consumers over the API; None: CLI only


@dataclass
class Logged:
    """What a handler read, for the access log."""

    dataset: str | None = None
    fields: list[str] | None = None
    query: str | None = None
    rows: int | None = None


class Application(BaseModel):
    dataset: str = Field(max_length=100)
    purpose: str = Field(max_length=2000)
    fields: list[str] | None = Field(default=None, max_length=200)
    grant_days: int = grants.DEFAULT_GRANT_DAYS


class Decision(BaseModel):
    reason: str = Field(default="", max_length=2000)
    days: int | None = None


class NewConsumer(BaseModel):
    name: str = Field(max_length=63)
    kind: str = Field(max_length=20)
    bureau: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    daily_quota: int = registry.DEFAULT_QUOTA


class NewKey(BaseModel):
    days: int = registry.DEFAULT_KEY_DAYS


def _key(request: Request) -> str | None:
    value = request.headers.get("x-ckan-api-key") or request.headers.get("authorization")
    if not value:
        return None
    return value.removeprefix("Bearer ").strip()


def _is_ckan(path: str) -> bool:
    """CKAN's clients call /api/3/action/<name> or, like ckanapi, /api/action/<name>."""
    return path.startswith(("/api/3/", "/api/action/"))


def _error(error: SharingError, ckan: bool) -> JSONResponse:
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


def create_app(config: ServiceConfig) -> FastAPI:
    app = FastAPI(
        title="citybase sharing service / 城市数据共享服务",
        description="CKAN-compatible open-data API, DCAT-AP catalogue, grants and an audited "
        "access log over what citybase publishes.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    exchange = Exchange(config.paths)
    resolver = dp.Resolver()
    limiter = RateLimiter(config.rate_per_minute)
    engine = config.engine

    @app.middleware("http")
    async def gatekeeper(request: Request, call_next):
        ckan = _is_ckan(request.url.path)
        request.state.logged = Logged()
        request.state.consumer = None
        key = _key(request)
        try:
            if key is not None and key != config.admin_key:
                request.state.consumer = await run_in_threadpool(registry.authenticate, engine, key)
            who = request.state.consumer.name if request.state.consumer else None
            limiter.take(who or f"address:{request.client.host if request.client else '-'}")
            used = await run_in_threadpool(audit.requests_today, engine, who) if who else 0
            if who and used >= request.state.consumer.daily_quota:
                raise TooManyRequests(
                    "daily quota used up; it renews at midnight (city time)", 3600
                )
            response = await call_next(request)
        except SharingError as error:
            response = _error(error, ckan)
        logged: Logged = request.state.logged
        await run_in_threadpool(
            audit.record,
            engine,
            audit.Access(
                consumer=request.state.consumer.name if request.state.consumer else None,
                method=request.method,
                action=request.url.path,
                status=response.status_code,
                dataset=logged.dataset,
                fields=logged.fields,
                query=logged.query,
                rows=logged.rows,
            ),
        )
        return response

    @app.exception_handler(SharingError)
    async def refused(request: Request, error: SharingError):
        return _error(error, _is_ckan(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}"
            for e in error.errors()
        )
        return _error(SharingError(f"invalid request: {where}"), _is_ckan(request.url.path))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception):
        log.exception("sharing service: %s %s failed", request.method, request.url.path)
        return JSONResponse(
            {
                "success": False,
                "error": {
                    "__type": "Internal Error",
                    "message": "internal error; the operator's log has the details",
                },
            },
            status_code=500,
        )

    def caller(request: Request) -> Caller:
        return Caller(engine, request.state.consumer, exchange.offer(), config.base_url)

    def consumer_of(request: Request) -> registry.Consumer:
        if request.state.consumer is None:
            raise Unauthenticated("send your API key in the Authorization header")
        return request.state.consumer

    def admin(request: Request) -> None:
        if config.admin_key is None or _key(request) != config.admin_key:
            raise Forbidden("registering consumers needs the operator's admin key")

    async def _params(request: Request) -> dict:
        params: dict = dict(request.query_params)
        if request.method == "POST" and request.headers.get("content-length", "0") != "0":
            try:
                body = await request.json()
            except ValueError:
                raise SharingError("the request body is not JSON") from None
            if not isinstance(body, dict):
                raise SharingError("the request body must be a JSON object")
            params.update(body)
        for name in ("filters", "q", "fields"):  # JSON in a GET query string
            value = params.get(name)
            if isinstance(value, str) and value.startswith(("{", "[")):
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    raise SharingError(f"{name}: not valid JSON") from None
        return params

    @app.api_route("/api/action/{action}", methods=["GET", "POST"])
    @app.api_route("/api/3/action/{action}", methods=["GET", "POST"])
    async def ckan_action(action: str, request: Request):
        if action not in ACTIONS:
            raise NotFound(f"no action {action[:60]!r}; this service answers {', '.join(ACTIONS)}")
        params = await _params(request)
        result = ACTIONS[action](caller(request), params)
        logged: Logged = request.state.logged
        dataset = params.get("resource_id") or params.get("id")
        if isinstance(dataset, str):
            logged.dataset = dataset[:100]
        if isinstance(result, dict) and "records" in result:
            logged.rows = len(result["records"])
            logged.fields = [f["id"] for f in result["fields"]]
            logged.query = str(params.get("sql") or {k: params.get(k) for k in ("filters", "q")})[
                :2000
            ]
        return {"help": CKAN_HELP, "success": True, "result": result}

    @app.get("/catalog.jsonld")
    @app.get("/catalog.ttl")
    def catalogue(request: Request):
        offer = exchange.offer()
        graph = dcat_catalog(
            [(s.dataset, s.release) for s in offer.served.values()],
            ("城市数据共享目录", "citybase sharing catalogue"),
            config.base_url,
        )
        if request.url.path.endswith(".ttl"):
            return Response(as_turtle(graph), media_type="text/turtle; charset=utf-8")
        return Response(as_jsonld(graph), media_type="application/ld+json; charset=utf-8")

    def _file(request: Request, dataset_id: str, name: str, area: str):
        offer = exchange.offer()
        served = offer.get(dataset_id)
        if served is None or served.conditional != (area == "share"):
            raise NotFound(f"no dataset {dataset_id[:100]!r} here; see /catalog.jsonld")
        fmt = next(
            (f for f in FORMATS if name in (f"{served.id}.{f}", f"current/{served.id}.{f}")), None
        )
        if fmt is None:
            raise NotFound(f"{served.id} has {served.id}.csv and {served.id}.parquet")
        fields = caller(request).fields(served)
        if fields is not None:
            raise Forbidden(
                f"your grant covers some fields of {served.id} ({', '.join(fields)}): read them "
                "with datastore_search, the whole file needs a grant of every field"
            )
        request.state.logged = Logged(dataset=served.id, rows=served.release.info["rows"])
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.apache.parquet"
        return FileResponse(served.file(fmt), media_type=media, filename=f"{served.id}.{fmt}")

    @app.get("/open-data/{dataset_id}/{name:path}")
    def open_file(dataset_id: str, name: str, request: Request):
        return _file(request, dataset_id, name, "open-data")

    @app.get("/share/{dataset_id}/{name:path}")
    def shared_file(dataset_id: str, name: str, request: Request):
        return _file(request, dataset_id, name, "share")

    @app.get("/")
    def home():
        return RedirectResponse("/open-data/")

    @app.get("/open-data/")
    def portal():
        return FileResponse(config.paths.open_data / "index.html", media_type="text/html")

    # The exchange's own API: applications, decisions, grants.
    @app.post("/api/sharing/applications", status_code=201)
    def submit(body: Application, request: Request):
        who = consumer_of(request)
        offered = grants.requested(exchange, body.dataset)
        request.state.logged = Logged(dataset=offered.dataset, fields=body.fields)
        return grants.apply(engine, who, offered, body.purpose, body.fields, body.grant_days)

    @app.get("/api/sharing/applications")
    def applications(request: Request):
        who = consumer_of(request)
        if who.is_bureau:
            return grants.list_applications(engine, bureau=who.bureau)
        return grants.list_applications(engine, consumer=who)

    @app.get("/api/sharing/applications/{application_id}")
    def one_application(application_id: int, request: Request):
        who = consumer_of(request)
        item = grants.application(engine, application_id)
        if item["consumer_id"] != who.id and item["bureau"] != who.bureau:
            raise NotFound(f"no application {application_id}")
        return item

    def _bureau(request: Request) -> str:
        who = consumer_of(request)
        if not who.is_bureau:
            raise Forbidden("only the bureau that owns the data decides on an application")
        return who.bureau

    @app.post("/api/sharing/applications/{application_id}/approve")
    def approve(application_id: int, body: Decision, request: Request):
        return grants.approve(engine, application_id, _bureau(request), body.reason, body.days)

    @app.post("/api/sharing/applications/{application_id}/deny")
    def deny(application_id: int, body: Decision, request: Request):
        return grants.deny(engine, application_id, _bureau(request), body.reason)

    @app.get("/api/sharing/grants")
    def my_grants(request: Request):
        return grants.list_grants(engine, consumer_of(request))

    @app.post("/api/sharing/grants/{grant_id}/revoke")
    def revoke(grant_id: int, body: Decision, request: Request):
        return grants.revoke(engine, grant_id, _bureau(request), body.reason)

    # Usable but invisible: aggregate questions of person-level data, answered with
    # differential privacy; the rows never leave.
    @app.get("/api/sharing/private")
    def private_datasets(request: Request):
        datasets = [asking.describe(d) for d in exchange.private.values()]
        if request.state.consumer is None:
            return {"datasets": datasets}
        return {"datasets": datasets, "budget": budget.standing(engine, request.state.consumer)}

    @app.get("/api/sharing/budget")
    def my_budget(request: Request):
        return budget.standing(engine, consumer_of(request))

    @app.post("/api/sharing/private/{dataset_id}/query")
    def private_query(dataset_id: str, request: Request, body: Annotated[dict[str, Any], Body()]):
        request.state.logged = Logged(dataset=dataset_id[:100], query=json.dumps(body)[:2000])
        who = consumer_of(request)
        result = asking.ask(engine, who, exchange, resolver, dataset_id, body)
        request.state.logged.rows = len(result["groups"])
        request.state.logged.fields = sorted(
            {*result["question"]["group_by"], *(c for c, _ in result["question"]["where"])}
        )
        return result

    @app.post("/api/sharing/consumers", status_code=201)
    def new_consumer(body: NewConsumer, request: Request):
        admin(request)
        return registry.register(
            engine, body.name, body.kind, body.bureau, body.contact, body.daily_quota
        ).__dict__

    @app.post("/api/sharing/consumers/{name}/keys", status_code=201)
    def new_key(name: str, body: NewKey, request: Request):
        admin(request)
        key, expires = registry.issue_key(engine, name, body.days)
        return {"key": key, "expires_at": expires.isoformat()}

    return app
