"""catalog.json (DCAT-AP as JSON-LD, Chinese and English), datapackage.json (Frictionless) and the
portal page index.html for the releases currently served under a root. Each is rewritten whole
and swapped in atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rdflib import Graph

from orchestration import clock
from orchestration.bureaus import Providers
from orchestration.publish.datasets import OpenDataset
from orchestration.publish.dcat import FORMATS, as_jsonld, catalog_graph
from orchestration.publish.releases import Release
from orchestration.reports.render import write_portal
from orchestration.settings import public_url
from orchestration.sql import frictionless_type

LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}


def _write_text(path: Path, text: str) -> None:
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)


def _write_json(path: Path, document: dict) -> None:
    _write_text(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def dcat_catalog(
    served: list[tuple[OpenDataset, Release]],
    title: tuple[str, str],
    providers: Providers,
    base: str | None = None,
) -> Graph:
    """The DCAT-AP graph of these releases, with URLs under `base` (CITYBASE_PUBLIC_URL)."""
    return catalog_graph(
        served,
        base=base or public_url(),
        title=title,
        bureaus=providers.names,
        contacts=providers.contacts,
        modified=clock.now().isoformat(),
    )


def _portal_entry(dataset: OpenDataset, release: Release, bureaus: dict) -> dict:
    info = release.info
    return {
        "id": dataset.id,
        "title": {"zh": dataset.title, "en": dataset.title_en},
        "description": {"zh": dataset.description, "en": dataset.description_en},
        "publisher": bureaus.get(dataset.bureau, {"zh": dataset.bureau, "en": dataset.bureau}),
        "keywords": dataset.keywords,
        "theme": dataset.theme,
        "modified": info["published_at"],
        "quality": info.get("quality_score"),
        "openness": dataset.openness,
        "release": release.id,
        "downloads": [
            {
                "format": fmt.upper(),
                "url": f"{dataset.id}/current/{dataset.id}.{fmt}",
                "bytes": info["files"][fmt]["bytes"],
            }
            for fmt in FORMATS
        ],
    }


def _resource(dataset: OpenDataset, release: Release) -> dict:
    fields = [
        {
            "name": name,
            "type": frictionless_type(sql_type),
            "description": dataset.columns.get(name, ""),
        }
        for name, sql_type in release.info["schema"]
    ]
    return {
        "name": dataset.id,
        "title": dataset.title,
        "description": dataset.description_en,
        "path": f"{dataset.id}/current/{dataset.id}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "hash": f"sha256:{release.info['files']['csv']['sha256']}",
        "bytes": release.info["files"]["csv"]["bytes"],
        "schema": {"fields": fields, "missingValues": [""]},
    }


def write_catalogs(
    root: Path,
    served: list[tuple[OpenDataset, Release]],
    title: tuple[str, str],
    providers: Providers,
) -> None:
    """Describes each served dataset's release in the catalogue, the data package and the
    portal page, written into `root` (a view's folder, see releases.switch_view)."""
    root.mkdir(parents=True, exist_ok=True)
    _write_text(root / "catalog.json", as_jsonld(dcat_catalog(served, title, providers)))
    _write_json(
        root / "datapackage.json",
        {
            "name": "citybase-open-data",
            "title": " / ".join(title),
            "licenses": [LICENSE],
            "resources": [_resource(d, r) for d, r in served],
        },
    )
    write_portal(
        root,
        [_portal_entry(d, r, providers.names) for d, r in served],
        " / ".join(title),
        clock.now().isoformat(sep=" "),
    )
