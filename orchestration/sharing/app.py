"""The sharing service's HTTP application (FastAPI): the routes (sharing.routes), and the one
gatekeeper every request passes.

The gatekeeper knows the caller (API key in `Authorization` or `X-CKAN-API-Key`), applies the
rate limit and the daily quota, and writes the access log entry after the answer, with what
the handler says it read (dataset, fields, query, rows). Errors answer with what is wrong,
never with internals; the full error goes to the operator's log.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from orchestration.sharing import audit, dp, registry
from orchestration.sharing.errors import SharingError, TooManyRequests
from orchestration.sharing.http import (
    Logged,
    Service,
    ServiceConfig,
    api_key,
    error_response,
    is_ckan,
)
from orchestration.sharing.limits import RateLimiter
from orchestration.sharing.published import Exchange
from orchestration.sharing.routes import exchange, open_data, private

log = logging.getLogger("citybase.sharing")


async def _caller(request: Request, running: Service) -> None:
    """Who calls (None: anonymous), within the rate limit and the daily quota."""
    key = api_key(request)
    if key is not None and key != running.config.admin_key:
        request.state.consumer = await run_in_threadpool(registry.authenticate, running.engine, key)
    consumer = request.state.consumer
    running.limiter.take(
        consumer.name if consumer else f"address:{request.client.host if request.client else '-'}"
    )
    if consumer is not None:
        used = await run_in_threadpool(audit.requests_today, running.engine, consumer.name)
        if used >= consumer.daily_quota:
            raise TooManyRequests("daily quota used up; it renews at midnight (city time)", 3600)


def create_app(config: ServiceConfig) -> FastAPI:
    app = FastAPI(
        title="citybase sharing service / 城市数据共享服务",
        description="CKAN-compatible open-data API, DCAT-AP catalogue, grants, differentially "
        "private questions and an audited access log over what citybase publishes.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    app.state.service = running = Service(
        config, Exchange(config.paths), dp.Resolver(), RateLimiter(config.rate_per_minute)
    )
    for routes in (open_data, exchange, private):
        app.include_router(routes.router)

    @app.middleware("http")
    async def gatekeeper(request: Request, call_next):
        request.state.logged = Logged()
        request.state.consumer = None
        try:
            await _caller(request, running)
            response = await call_next(request)
        except SharingError as error:
            response = error_response(error, is_ckan(request.url.path))
        logged: Logged = request.state.logged
        consumer = request.state.consumer
        await run_in_threadpool(
            audit.record,
            running.engine,
            audit.Access(
                consumer=consumer.name if consumer else None,
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
        return error_response(error, is_ckan(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}"
            for e in error.errors()
        )
        return error_response(SharingError(f"invalid request: {where}"), is_ckan(request.url.path))

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

    return app
