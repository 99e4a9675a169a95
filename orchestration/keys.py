"""Asset keys of the raw layer, shared by the assets, the reports and the sensors."""

from dagster import AssetKey

from orchestration.contracts.model import Contract
from orchestration.standards.gtfs import gtfs_tables


def raw_asset_key(contract: Contract) -> AssetKey:
    return AssetKey(["raw", contract.bureau, contract.dataset])


def gtfs_table_keys(contract: Contract) -> dict[str, AssetKey]:
    """A GTFS feed loads one raw table per reference file; each is its own asset, keyed
    raw/<bureau>/<dataset>_<file>, so that dbt sources map one-to-one onto assets."""
    if contract.format != "gtfs":
        return {}
    return {
        table: AssetKey(["raw", contract.bureau, f"{contract.dataset}_{stem}"])
        for stem, table in gtfs_tables().items()
    }
