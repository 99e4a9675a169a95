"""The analyst copy of a night's build as an asset of its own, downstream of the dbt build:
Dagster runs it only when every model and blocking test of the build succeeded, so analysts
(and BI tools) see the last complete build, never one that stopped half-way."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    asset,
)

from orchestration.instance import WAREHOUSE_POOL
from orchestration.partitions import daily_partitions, last_night_day
from orchestration.resources import CitybaseHome
from orchestration.snapshot import ANALYST_SCHEMAS, analyst_path, write_snapshot

SNAPSHOT_KEY = AssetKey(["analyst", "city", "warehouse_snapshot"])


def build_snapshot_asset(dbt_warehouse: AssetsDefinition) -> AssetsDefinition:
    """The snapshot asset; it depends on every dbt model of the schemas it copies."""
    copied = [
        key
        for key in dbt_warehouse.keys
        if dbt_warehouse.specs_by_key[key].group_name in ANALYST_SCHEMAS
    ]

    @asset(
        key=SNAPSHOT_KEY,
        deps=copied,
        group_name="analyst",
        owners=["team:city"],
        kinds={"duckdb"},
        partitions_def=daily_partitions,
        pool=WAREHOUSE_POOL,
        backfill_policy=BackfillPolicy.single_run(),  # as the dbt build it follows
        description="What analysts and BI tools open (read-only): the marts, open_data and "
        "reference schemas of the last complete build, copied into a new file and swapped in "
        "at analyst/warehouse.duckdb in one rename (catalog `warehouse`, BIGINT counts, dbt "
        "docs as comments).",
    )
    def warehouse_snapshot(context: AssetExecutionContext, home: CitybaseHome) -> MaterializeResult:
        # a backfill of a range builds once: the copy is of its last day
        day = last_night_day(context)
        with home.warehouse() as con:
            snapshot = write_snapshot(con, home.paths.home, day)
        context.log.info(f"analysts now read {snapshot} (via {analyst_path(home.paths.home)})")
        return MaterializeResult(metadata={"file": str(snapshot), "built_for": day.isoformat()})

    return warehouse_snapshot
