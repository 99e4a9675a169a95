"""catalog.json (DCAT fields, Chinese and English), datapackage.json (Frictionless) and the
portal page index.html for the releases currently served under a root. Each is rewritten whole
and swapped in atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from orchestration import clock
from orchestration.contracts import load_contracts
from orchestration.publish.datasets import OpenDataset
from orchestration.publish.releases import Release
from orchestration.reports.render import write_portal
from orchestration.settings import bureau_names

LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
FRICTIONLESS_TYPES = {
    "BIGINT": "integer",
    "INTEGER": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
    "DECIMAL": "number",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "BOOLEAN": "boolean",
}


def _write_json(path: Path, document: dict) -> None:
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(staged, path)


def _contacts() -> dict[str, str]:
    return {c.bureau: c.contact for c in load_contracts()}


def _distribution(dataset: OpenDataset, release: Release, fmt: str) -> dict:
    file = release.info["files"][fmt]
    return {
        "format": fmt.upper(),
        "mediaType": MEDIA_TYPES[fmt],
        "accessURL": f"{dataset.id}/current/{dataset.id}.{fmt}",
        "byteSize": file["bytes"],
        "checksum": {"algorithm": "sha256", "checksumValue": file["sha256"]},
    }


def _entry(dataset: OpenDataset, release: Release, bureaus: dict, contacts: dict):
    bureau = bureaus.get(dataset.bureau, {"zh": dataset.bureau, "en": dataset.bureau})
    info = release.info
    return {
        "identifier": dataset.id,
        "title": {"zh": dataset.title, "en": dataset.title_en},
        "description": {"zh": dataset.description, "en": dataset.description_en},
        "publisher": {
            "identifier": dataset.bureau,
            "name": bureau,
        },
        "contactPoint": contacts.get(dataset.bureau),
        "keyword": dataset.keywords,
        "theme": dataset.theme,
        "license": LICENSE["path"],
        "spatial": info.get("spatial"),
        "temporal": info.get("temporal"),
        "accrualPeriodicity": dataset.update_frequency,
        "issued": info.get("first_issued", info["published_at"]),
        "modified": info["published_at"],
        "openness": dataset.openness,
        "smallCellSuppression": dataset.suppression.rule() if dataset.suppression else None,
        "qualityScore": info.get("quality_score"),
        "releaseId": release.id,
        "distribution": [_distribution(dataset, release, f) for f in ("csv", "parquet")],
    }


def _resource(dataset: OpenDataset, release: Release) -> dict:
    fields = [
        {
            "name": name,
            "type": FRICTIONLESS_TYPES.get(sql_type.split("(")[0], "string"),
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


def write_catalogs(root: Path, served: list[tuple[OpenDataset, Release]], title: str) -> None:
    """Describes each served dataset's release in the catalogue, the data package and the
    portal page, written into `root` (a view's folder, see releases.switch_view)."""
    bureaus, contacts = bureau_names(), _contacts()
    root.mkdir(parents=True, exist_ok=True)
    _write_json(
        root / "catalog.json",
        {
            "@context": "https://www.w3.org/ns/dcat",
            "@type": "dcat:Catalog",
            "title": title,
            "license": LICENSE["path"],
            "dataset": [_entry(d, r, bureaus, contacts) for d, r in served],
        },
    )
    _write_json(
        root / "datapackage.json",
        {
            "name": "citybase-open-data",
            "title": title,
            "licenses": [LICENSE],
            "resources": [_resource(d, r) for d, r in served],
        },
    )
    write_portal(root, clock.now().isoformat(sep=" "))
