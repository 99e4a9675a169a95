"""What open-data clients call: CKAN's Action API, the DCAT-AP catalogue, the published files
and the portal page."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from orchestration.publish.catalog import dcat_catalog
from orchestration.publish.dcat import FORMATS, as_jsonld, as_turtle
from orchestration.sharing.ckan import ACTIONS
from orchestration.sharing.errors import Forbidden, NotFound, SharingError
from orchestration.sharing.http import CKAN_HELP, Logged, caller, service

router = APIRouter()


async def _params(request: Request) -> dict:
    """An action's parameters, from the query string and a JSON body, as CKAN takes them."""
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


@router.api_route("/api/action/{action}", methods=["GET", "POST"])
@router.api_route("/api/3/action/{action}", methods=["GET", "POST"])
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
        asked = params.get("sql") or {k: params.get(k) for k in ("filters", "q")}
        logged.query = str(asked)[:2000]
    return {"help": CKAN_HELP, "success": True, "result": result}


@router.get("/catalog.jsonld")
@router.get("/catalog.ttl")
def catalogue(request: Request):
    running = service(request)
    graph = dcat_catalog(
        [(s.dataset, s.release) for s in running.exchange.offer().served.values()],
        ("城市数据共享目录", "citybase sharing catalogue"),
        running.config.providers,
        running.config.base_url,
    )
    if request.url.path.endswith(".ttl"):
        return Response(as_turtle(graph), media_type="text/turtle; charset=utf-8")
    return Response(as_jsonld(graph), media_type="application/ld+json; charset=utf-8")


def _file(request: Request, dataset_id: str, name: str, area: str):
    served = service(request).exchange.offer().get(dataset_id)
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


@router.get("/open-data/{dataset_id}/{name:path}")
def open_file(dataset_id: str, name: str, request: Request):
    return _file(request, dataset_id, name, "open-data")


@router.get("/share/{dataset_id}/{name:path}")
def shared_file(dataset_id: str, name: str, request: Request):
    return _file(request, dataset_id, name, "share")


@router.get("/")
def home():
    return RedirectResponse("/open-data/")


@router.get("/open-data/")
def portal(request: Request):
    index = service(request).config.paths.open_data / "index.html"
    return FileResponse(index, media_type="text/html")
