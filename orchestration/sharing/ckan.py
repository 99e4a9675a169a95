"""CKAN's Action API, the subset open-data clients and harvesters call: package_list,
package_show, package_search, organization_list, organization_show, resource_show,
datastore_search, datastore_search_sql. Answers have CKAN's shape ({"help", "success",
"result"} or {"success": false, "error": {"__type", "message"}}), so `ckanapi` works unchanged.

A package is a served dataset; its resources are the CSV (the datastore table, whose id is the
dataset's id) and the Parquet file. Conditional datasets are listed (so consumers can find and
apply for them) but their rows and files need a grant.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from orchestration.publish.dcat import FORMATS, MEDIA_TYPES, download_url
from orchestration.settings import bureau_names
from orchestration.sharing.errors import NotFound, SharingError, Unauthenticated
from orchestration.sharing.grants import granted_fields
from orchestration.sharing.published import Offer, Served
from orchestration.sharing.queries import search, search_sql
from orchestration.sharing.registry import Consumer

LICENSE = {"license_id": "CC-BY-4.0", "license_title": "Creative Commons Attribution 4.0"}


class Caller:
    """Who asks (None: anonymous), and what they may read."""

    def __init__(self, engine: Engine, consumer: Consumer | None, offer: Offer, base: str):
        self.engine, self.consumer, self.offer, self.base = engine, consumer, offer, base

    def served(self, dataset_id) -> Served:
        if not isinstance(dataset_id, str) or (served := self.offer.get(dataset_id)) is None:
            raise NotFound(f"no dataset {dataset_id!r}; package_list names the served ones")
        return served

    def fields(self, served: Served) -> list[str] | None:
        """The fields the caller may read (None: all); refused without a grant."""
        if not served.conditional:
            return None
        if self.consumer is None:
            raise Unauthenticated(
                f"{served.id} is conditional (有条件开放): send your API key in the "
                "Authorization header"
            )
        return granted_fields(self.engine, self.consumer, served.id)

    def readable(self) -> dict[str, list[str] | None]:
        allowed = {}
        for dataset_id, served in self.offer.served.items():
            try:
                allowed[dataset_id] = self.fields(served)
            except SharingError:
                continue
        return allowed


def _organization(bureau: str) -> dict:
    names = bureau_names().get(bureau, {"zh": bureau, "en": bureau})
    return {
        "id": bureau,
        "name": bureau,
        "title": names["zh"],
        "display_name": names["zh"],
        "description": names["en"],
        "type": "organization",
        "state": "active",
        "is_organization": True,
    }


def _resource(caller: Caller, served: Served, fmt: str) -> dict:
    file = served.release.info["files"][fmt]
    return {
        "id": served.id if fmt == "csv" else f"{served.id}-{fmt}",
        "package_id": served.id,
        "name": f"{served.dataset.title} ({fmt.upper()})",
        "format": fmt.upper(),
        "mimetype": MEDIA_TYPES[fmt],
        "url": download_url(caller.base, served.dataset, fmt),
        "size": file["bytes"],
        "hash": f"sha256:{file['sha256']}",
        "datastore_active": fmt == "csv",
        "last_modified": served.release.info["published_at"],
        "state": "active",
    }


def _package(caller: Caller, served: Served) -> dict:
    dataset, info = served.dataset, served.release.info
    return {
        "id": dataset.id,
        "name": dataset.id,
        "title": dataset.title,
        "notes": f"{dataset.description}\n\n{dataset.description_en}",
        "type": "dataset",
        "state": "active",
        "private": False,
        "owner_org": dataset.bureau,
        "organization": _organization(dataset.bureau),
        **LICENSE,
        "metadata_created": info.get("first_issued", info["published_at"]),
        "metadata_modified": info["published_at"],
        "version": served.release.id,
        "tags": [{"name": k} for k in dataset.keywords],
        "groups": [{"name": dataset.theme}],
        "extras": [
            {"key": "title_en", "value": dataset.title_en},
            {"key": "openness", "value": dataset.openness},
            {"key": "update_frequency", "value": dataset.update_frequency},
            {"key": "quality_score", "value": str(info.get("quality_score", ""))},
        ],
        "num_resources": len(FORMATS),
        "num_tags": len(dataset.keywords),
        "resources": [_resource(caller, served, fmt) for fmt in FORMATS],
    }


def package_list(caller: Caller, params: dict) -> list[str]:
    return sorted(caller.offer.served)


def package_show(caller: Caller, params: dict) -> dict:
    return _package(caller, caller.served(params.get("id")))


def _matches(served: Served, q: str, fq: str) -> bool:
    dataset = served.dataset
    text = " ".join(
        [
            *(dataset.id, dataset.title, dataset.title_en),
            *(dataset.description, dataset.description_en),
            *dataset.keywords,
        ]
    ).lower()
    if q and q != "*:*" and not all(word in text for word in q.lower().split()):
        return False
    for clause in fq.split():
        key, _, value = clause.partition(":")
        value = value.strip('"')
        wanted = {
            "organization": dataset.bureau,
            "owner_org": dataset.bureau,
            "tags": None,
            "name": dataset.id,
        }
        if key not in wanted:
            raise SharingError(f"fq: filter on organization, owner_org, tags or name, not {key!r}")
        if key == "tags" and value not in dataset.keywords:
            return False
        if key != "tags" and wanted[key] != value:
            return False
    return True


def package_search(caller: Caller, params: dict) -> dict:
    q, fq = str(params.get("q") or ""), str(params.get("fq") or "")
    rows = _integer(params.get("rows"), "rows", 10, 1000)
    start = _integer(params.get("start"), "start", 0, 10**6)
    found = [s for _, s in sorted(caller.offer.served.items()) if _matches(s, q, fq)]
    return {
        "count": len(found),
        "results": [_package(caller, s) for s in found[start : start + rows]],
        "sort": "name asc",
        "facets": {},
        "search_facets": {},
    }


def _integer(value, name: str, default: int, ceiling: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not str(value).isdigit() or int(value) > ceiling:
        raise SharingError(f"{name}: give a whole number from 0 to {ceiling}")
    return int(value)


def organization_list(caller: Caller, params: dict) -> list:
    bureaus = sorted({s.dataset.bureau for s in caller.offer.served.values()})
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [_organization(b) for b in bureaus]
    return bureaus


def organization_show(caller: Caller, params: dict) -> dict:
    bureau = params.get("id")
    if bureau not in {s.dataset.bureau for s in caller.offer.served.values()}:
        raise NotFound(f"no organization {bureau!r}; organization_list names them")
    return _organization(bureau)


def _resource_dataset(caller: Caller, resource_id) -> tuple[Served, str]:
    """A resource id is the dataset's id (its CSV, the datastore table) or `<id>-parquet`."""
    if isinstance(resource_id, str):
        name, _, suffix = resource_id.rpartition("-")
        if suffix == "parquet" and (served := caller.offer.get(name)):
            return served, "parquet"
        if served := caller.offer.get(resource_id):
            return served, "csv"
    raise NotFound(f"no resource {resource_id!r}; package_show lists a dataset's resources")


def resource_show(caller: Caller, params: dict) -> dict:
    served, fmt = _resource_dataset(caller, params.get("id"))
    return _resource(caller, served, fmt)


def datastore_search(caller: Caller, params: dict) -> dict:
    served, fmt = _resource_dataset(caller, params.get("resource_id") or params.get("id"))
    if fmt != "csv":
        raise NotFound(
            f"resource {served.id}-{fmt} is a file; its rows are in resource {served.id}"
        )
    return search(caller.offer, served, caller.fields(served), params)


def datastore_search_sql(caller: Caller, params: dict) -> dict:
    sql = params.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise SharingError("sql: give a SELECT statement")
    return search_sql(caller.offer, sql, caller.readable())


ACTIONS: dict[str, Callable[[Caller, dict], object]] = {
    f.__name__: f
    for f in (
        package_list,
        package_show,
        package_search,
        organization_list,
        organization_show,
        resource_show,
        datastore_search,
        datastore_search_sql,
    )
}
