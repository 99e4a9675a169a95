"""Usable but invisible (可用不可见): aggregate questions of person-level data, answered with
differential privacy (sharing.dp); the rows never leave."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from orchestration.sharing import asking, budget
from orchestration.sharing.http import Logged, consumer_of, service

router = APIRouter(prefix="/api/sharing")


@router.get("/private")
def private_datasets(request: Request):
    running = service(request)
    datasets = [asking.describe(d) for d in running.exchange.private.values()]
    if request.state.consumer is None:
        return {"datasets": datasets}
    return {"datasets": datasets, "budget": budget.standing(running.engine, request.state.consumer)}


@router.get("/budget")
def my_budget(request: Request):
    return budget.standing(service(request).engine, consumer_of(request))


@router.post("/private/{dataset_id}/query")
def private_query(dataset_id: str, request: Request, body: Annotated[dict[str, Any], Body()]):
    request.state.logged = Logged(dataset=dataset_id[:100], query=json.dumps(body)[:2000])
    who, running = consumer_of(request), service(request)
    result = asking.ask(running.engine, who, running.exchange, running.resolver, dataset_id, body)
    request.state.logged.rows = len(result["groups"])
    request.state.logged.fields = sorted(
        {*result["question"]["group_by"], *(c for c, _ in result["question"]["where"])}
    )
    return result
