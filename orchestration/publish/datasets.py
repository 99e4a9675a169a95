"""The datasets built for the public, as the dbt project declares them (`meta.open_data` on
the models under models/open_data/), with their lineage back to the raw deliveries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from dagster import AssetKey

from orchestration.contracts import Contract
from orchestration.integrations.dbt.project import ensure_manifest, model_meta
from orchestration.integrations.dbt.translator import CitybaseTranslator

Openness = Literal["unconditional", "conditional", "not_open"]


@dataclass(frozen=True)
class Suppression:
    column: str
    min_count: int
    group_by: list[str]

    def rule(self) -> str:
        return (
            f"Counts in {self.column} below {self.min_count} are withheld (empty); where a "
            f"({', '.join(self.group_by)}) group has exactly one withheld cell, its smallest "
            "other cell is withheld too, so that the group's total cannot reveal it."
        )


@dataclass(frozen=True)
class OpenDataset:
    id: str
    model: str
    relation: str  # schema.table in the warehouse (the audit area)
    bureau: str
    title: str
    title_en: str
    description: str
    description_en: str
    keywords: list[str]
    theme: str
    openness: Openness
    update_frequency: str
    columns: dict[str, str]  # name -> description
    model_asset: str
    lineage_assets: frozenset[str]
    suppression: Suppression | None = None

    @property
    def asset_key(self) -> AssetKey:
        return AssetKey(["published", self.bureau, self.id.replace("-", "_")])


def _ancestors(parent_map: dict[str, list[str]], node: str) -> set[str]:
    seen: set[str] = set()
    stack = [node]
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent not in seen and not parent.startswith("test."):
                seen.add(parent)
                stack.append(parent)
    return seen


def _dataset(node: dict, manifest: dict, translator: CitybaseTranslator) -> OpenDataset:
    meta = model_meta(node)["open_data"]
    suppression = meta.get("suppression")
    ancestors = _ancestors(manifest["parent_map"], node["unique_id"])
    props = {**manifest["nodes"], **manifest["sources"]}
    lineage = frozenset(
        translator.get_asset_key(props[a]).to_user_string() for a in ancestors if a in props
    )
    return OpenDataset(
        id=meta["id"],
        model=node["name"],
        relation=f"{node['schema']}.{node['alias']}",
        bureau=translator.get_tags(node)["bureau"],
        title=meta["title"],
        title_en=meta["title_en"],
        description=meta["description"],
        description_en=meta["description_en"],
        keywords=[str(k) for k in meta["keywords"]],
        theme=meta["theme"],
        openness=meta["openness"],
        update_frequency=meta["update_frequency"],
        columns={name: col.get("description", "") for name, col in node["columns"].items()},
        model_asset=translator.get_asset_key(node).to_user_string(),
        lineage_assets=lineage,
        suppression=Suppression(**suppression) if suppression else None,
    )


OPENNESS_ORDER: tuple[Openness, ...] = ("not_open", "conditional", "unconditional")


def check_openness(dataset: OpenDataset, contracts: Sequence[Contract]) -> None:
    """A dataset may be more open than a source it is built from (the contract's class) only as
    an aggregate with small cells suppressed: that is what makes person-level data publishable."""
    sources = {f"raw/{c.bureau}/{c.dataset}": c.openness for c in contracts}
    stricter = sorted(
        asset
        for asset in dataset.lineage_assets
        if OPENNESS_ORDER.index(sources.get(asset, "unconditional"))
        < OPENNESS_ORDER.index(dataset.openness)
    )
    if stricter and dataset.suppression is None:
        raise ValueError(
            f"open dataset {dataset.id} ({dataset.model}) is {dataset.openness} but is built from "
            f"{', '.join(stricter)}, which the contracts class lower: declare "
            "meta.open_data.suppression on the model, or lower its openness"
        )


@cache
def _load(manifest_path: Path) -> tuple[OpenDataset, ...]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    translator = CitybaseTranslator()
    return tuple(
        _dataset(node, manifest, translator)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "open_data" in model_meta(node)
    )


def open_datasets() -> tuple[OpenDataset, ...]:
    return _load(ensure_manifest())


def dataset(identifier: str) -> OpenDataset:
    for candidate in open_datasets():
        if candidate.id == identifier:
            return candidate
    known = ", ".join(sorted(d.id for d in open_datasets()))
    raise KeyError(f"no open dataset {identifier!r}; the published ones are: {known}")
