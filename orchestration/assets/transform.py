"""dbt models as Dagster assets, built by one `dbt build` per night.

One invocation, not one per bureau: each dbt start costs 5-8 s, which at seven bureaus would
outweigh the models' own work. Asset keys follow layer/bureau/model; the group is the layer
(= dbt folder = DuckDB schema); the owner is the bureau whose tag the model carries.
"""

import json
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.partitions import daily_partitions
from orchestration.settings import BUREAUS
from orchestration.transform import ensure_manifest


def _layer_and_bureau(props: Mapping[str, Any]) -> tuple[str, str]:
    # The layer is the model's schema (staging, intermediate, marts, reference for seeds).
    layer = props.get("config", {}).get("schema") or "marts"
    tags = [t for t in props.get("tags", []) if t in BUREAUS]
    return layer, tags[0] if tags else "city"


class CitybaseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        layer, bureau = _layer_and_bureau(dbt_resource_props)
        return AssetKey([layer, bureau, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _layer_and_bureau(dbt_resource_props)[0]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return [f"team:{_layer_and_bureau(dbt_resource_props)[1]}"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {"bureau": _layer_and_bureau(dbt_resource_props)[1]}


def build_dbt_assets() -> AssetsDefinition:
    @dbt_assets(
        manifest=ensure_manifest(),
        name="dbt_warehouse",
        partitions_def=daily_partitions,
        dagster_dbt_translator=CitybaseTranslator(),
        pool="warehouse_writer",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource):
        run_vars = json.dumps({"run_date": context.partition_key})
        yield from dbt.cli(["build", "--vars", run_vars], context=context).stream()

    return _models
