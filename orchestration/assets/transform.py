"""dbt models as Dagster assets, built by one `dbt build` per night.

One invocation, not one per bureau: each dbt start costs 5-8 s, which at seven bureaus would
outweigh the models' own work. How nodes become assets is integrations/dbt/translator.py.
"""

from collections.abc import Mapping, Sequence

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    Failure,
    MetadataValue,
)
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.bureaus import bureau_register
from orchestration.contracts.model import Contract
from orchestration.instance import WAREHOUSE_POOL
from orchestration.integrations.dbt.project import dbt_environment, ensure_manifest
from orchestration.integrations.dbt.spark import (
    REGISTER_RAW_LAKE,
    SPARK_TARGET,
    expose_spark_tables,
    spark_warehouse,
)
from orchestration.integrations.dbt.translator import (
    CitybaseTranslator,
    layer_and_bureau,
    source_feeds,
)
from orchestration.landing.lake import prepare_for_build
from orchestration.landing.schema import ensure_raw_tables, write_bureau_register
from orchestration.partitions import daily_partitions, night_day
from orchestration.publish.private import write_lake
from orchestration.quality.dbt_samples import failing_samples
from orchestration.quality.dbt_timing import wall_seconds_by_kind
from orchestration.quality.store import CheckRecord, save_records, save_timing
from orchestration.resources import CitybaseHome

# GB/T 36344 dimension of each kind of dbt test (by its generic test's name); the model's own
# build is accessibility: a model that did not build cannot be read.
DBT_TEST_DIMENSIONS = {
    "not_null": "completeness",
    "unique": "accuracy",
    "unique_combination_of_columns": "accuracy",
    "accepted_range": "accuracy",
    "relationships": "consistency",
    "accepted_values": "conformity",
    "small_cells_suppressed": "conformity",
}


def dbt_check_records(
    run_results: dict, manifest: dict, samples: Mapping[str, list[str]]
) -> list[CheckRecord]:
    """The invocation's outcome per node, as the publish gate and the reports read them: one
    `dbt_build` record per model (skipped = not built) and one per test, on the model it tests."""
    translator = CitybaseTranslator()
    nodes = manifest["nodes"]
    records = []
    for result in run_results["results"]:
        node = nodes.get(result["unique_id"])
        if node is None:
            continue
        if node["resource_type"] == "model":
            target, name, dimension = node, "dbt_build", "accessibility"
            severity, passed = "error", result["status"] == "success"
        elif node["resource_type"] == "test" and node.get("attached_node") in nodes:
            target, name = nodes[node["attached_node"]], node["name"]
            kind = (node.get("test_metadata") or {}).get("name", "")
            dimension = DBT_TEST_DIMENSIONS.get(kind, "accuracy")
            severity = "warn" if node["config"].get("severity", "").lower() == "warn" else "error"
            passed = result["status"] in ("pass", "warn") if severity == "error" else True
        else:
            continue
        _, bureau = layer_and_bureau(target)
        records.append(
            CheckRecord(
                translator.get_asset_key(target).to_user_string(),
                bureau,
                name,
                "dbt",
                severity,
                dimension,
                passed,
                None,
                result.get("failures"),
                samples.get(result["unique_id"], []),
                (result.get("message") or result["status"])[:500],
            )
        )
    return records


# The night builds and tests the data; dbt's unit tests check the SQL, which does not change
# between nights: they run in `make test` (tests/test_warehouse.py), as dbt advises.
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test"]


def build_dbt_assets(contracts: Sequence[Contract]) -> AssetsDefinition:
    @dbt_assets(
        manifest=ensure_manifest(),
        name="dbt_warehouse",
        partitions_def=daily_partitions,
        dagster_dbt_translator=CitybaseTranslator(source_feeds(contracts)),
        pool=WAREHOUSE_POOL,
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, home: CitybaseHome):
        day = night_day(context)
        on_spark = dbt.target == SPARK_TARGET
        with home.warehouse() as con:
            ensure_raw_tables(con)  # a standard no source has fed yet still stages, empty
            write_bureau_register(con, bureau_register(contracts))
            prepare_for_build(con, home.paths.raw_lake)  # what Spark reads (landing/lake.py)
        with dbt_environment(day, home.paths.home):
            if on_spark:  # the night's new lake partitions, found again by Spark's metastore
                dbt.cli(REGISTER_RAW_LAKE, target_path=home.paths.dbt_target).wait()
            invocation = dbt.cli(
                NIGHTLY_BUILD,
                context=context,
                raise_on_error=False,
                target_path=home.paths.dbt_target,
            )
        failed_checks = []  # held until dbt lets go of the warehouse and samples can be read
        for event in invocation.stream():
            if isinstance(event, AssetCheckResult) and not event.passed:
                failed_checks.append(event)
            else:
                yield event
        run_results = invocation.get_artifact("run_results.json")
        manifest = invocation.get_artifact("manifest.json")
        with home.warehouse() as con:
            if on_spark:  # what publish, reports and the snapshot read, as DuckDB views
                exposed = expose_spark_tables(con, spark_warehouse(home.paths.home), manifest)
                context.log.info(f"Spark's tables read through DuckDB: {len(exposed)}")
            samples = failing_samples(con, run_results, manifest["metadata"]["adapter_type"])
            records = dbt_check_records(run_results, manifest, samples)
            save_records(con, day, records, {"dbt"})
            seconds = wall_seconds_by_kind(run_results["results"]).get("test", 0.0)
            save_timing(con, day, "dbt_tests", "dbt_warehouse", seconds)
            private_rows = write_lake(con, home.paths.home, day)
        context.log.info(f"private lake: rows written per dataset {private_rows}")
        for check in failed_checks:
            unique_id = check.metadata.get("unique_id")
            sample = samples.get(getattr(unique_id, "value", unique_id), [])
            yield check._replace(
                metadata={**check.metadata, "sample (masked)": MetadataValue.json(sample)}
            )
        failed = [f"{r.asset} {r.check_name}" for r in records if r.blocking]
        if not invocation.is_successful():
            raise Failure(
                description=f"dbt build failed on {len(failed)} node(s): {failed[:10]}; the "
                "publish step holds back every dataset downstream of them",
            )

    return _models
