"""How dbt nodes become Dagster assets: keys layer/bureau/model, the layer as the group (= dbt
folder = DuckDB schema), the owner the bureau whose tag the model carries, and each standard's
raw table replaced, as a model's upstream, by the raw assets of the contracts that feed it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetDep, AssetKey
from dagster_dbt import DagsterDbtTranslator

from orchestration.contracts.model import Contract
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.settings import bureau_names
from orchestration.standards import standard as find_standard
from orchestration.standards.gtfs import gtfs_tables


def layer_and_bureau(props: Mapping[str, Any]) -> tuple[str, str]:
    """The layer is the node's schema (staging, intermediate, marts, reference for seeds); the
    bureau is the first bureau tag, "city" for cross-domain models."""
    layer = props.get("config", {}).get("schema") or "marts"
    tags = [t for t in props.get("tags", []) if t in bureau_names()]
    return layer, tags[0] if tags else "city"


class CitybaseTranslator(DagsterDbtTranslator):
    """Keys, groups and owners by layer and bureau. A dbt source is one standard's raw table;
    `source_feeds` replaces it, as a model's upstream, by the raw assets of every contract that
    feeds that standard (a county's feed beside the city's, a replaced built-in)."""

    def __init__(self, source_feeds: Mapping[AssetKey, Sequence[AssetKey]] | None = None):
        super().__init__()
        self._source_feeds = dict(source_feeds or {})

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        if not self._source_feeds or not unique_id.startswith("model."):
            return spec
        deps = []
        for dep in spec.deps:
            feeds = self._source_feeds.get(dep.asset_key, [dep.asset_key])
            deps += [AssetDep(k, partition_mapping=dep.partition_mapping) for k in feeds]
        return spec.replace_attributes(deps=deps)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        layer, bureau = layer_and_bureau(dbt_resource_props)
        return AssetKey([layer, bureau, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_and_bureau(dbt_resource_props)[0]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return [f"team:{layer_and_bureau(dbt_resource_props)[1]}"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {"bureau": layer_and_bureau(dbt_resource_props)[1]}


def source_feeds(contracts: Sequence[Contract]) -> dict[AssetKey, list[AssetKey]]:
    """The dbt source key of each standard's raw table -> the raw assets of its contracts."""
    # The register of bureaus is written by the build step itself: no upstream asset.
    feeds: dict[AssetKey, list[AssetKey]] = {AssetKey(["raw_citybase", "_bureaus"]): []}
    for contract in contracts:
        if contract.format == "gtfs":
            pairs = [
                (AssetKey(["raw", "transport", f"gtfs_{stem}"]), key)
                for stem, key in zip(gtfs_tables(), gtfs_table_keys(contract).values(), strict=True)
            ]
        else:
            standard = find_standard(contract.standard_id)
            pairs = [(AssetKey(["raw", standard.domain, standard.entity]), raw_asset_key(contract))]
        for source_key, asset_key in pairs:
            feeds.setdefault(source_key, []).append(asset_key)
    return feeds
