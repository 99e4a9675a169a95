"""The exchange's own API (有条件共享): applications, the owner bureau's decisions, grants, and
the operator's registration of consumers and keys."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from orchestration.sharing import grants, registry
from orchestration.sharing.errors import Forbidden, NotFound
from orchestration.sharing.http import Logged, consumer_of, require_admin, service

router = APIRouter(prefix="/api/sharing")


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


def _bureau(request: Request) -> str:
    who = consumer_of(request)
    if not who.is_bureau:
        raise Forbidden("only the bureau that owns the data decides on an application")
    return who.bureau


@router.post("/applications", status_code=201)
def submit(body: Application, request: Request):
    who, running = consumer_of(request), service(request)
    offered = grants.requested(running.exchange, body.dataset)
    request.state.logged = Logged(dataset=offered.dataset, fields=body.fields)
    return grants.apply(running.engine, who, offered, body.purpose, body.fields, body.grant_days)


@router.get("/applications")
def applications(request: Request):
    who, engine = consumer_of(request), service(request).engine
    if who.is_bureau:
        return grants.list_applications(engine, bureau=who.bureau)
    return grants.list_applications(engine, consumer=who)


@router.get("/applications/{application_id}")
def one_application(application_id: int, request: Request):
    who = consumer_of(request)
    item = grants.application(service(request).engine, application_id)
    if item["consumer_id"] != who.id and item["bureau"] != who.bureau:
        raise NotFound(f"no application {application_id}")
    return item


@router.post("/applications/{application_id}/approve")
def approve(application_id: int, body: Decision, request: Request):
    engine = service(request).engine
    return grants.approve(engine, application_id, _bureau(request), body.reason, body.days)


@router.post("/applications/{application_id}/deny")
def deny(application_id: int, body: Decision, request: Request):
    return grants.deny(service(request).engine, application_id, _bureau(request), body.reason)


@router.get("/grants")
def my_grants(request: Request):
    return grants.list_grants(service(request).engine, consumer_of(request))


@router.post("/grants/{grant_id}/revoke")
def revoke(grant_id: int, body: Decision, request: Request):
    return grants.revoke(service(request).engine, grant_id, _bureau(request), body.reason)


@router.post("/consumers", status_code=201)
def new_consumer(body: NewConsumer, request: Request):
    require_admin(request)
    return registry.register(
        service(request).engine, body.name, body.kind, body.bureau, body.contact, body.daily_quota
    ).__dict__


@router.post("/consumers/{name}/keys", status_code=201)
def new_key(name: str, body: NewKey, request: Request):
    require_admin(request)
    key, expires = registry.issue_key(service(request).engine, name, body.days)
    return {"key": key, "expires_at": expires.isoformat()}
