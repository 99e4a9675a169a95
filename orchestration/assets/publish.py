"""Published open datasets as assets: published/<bureau>/<dataset>, one per dbt model with
`meta.open_data`. Each carries two blocking checks run on its files before promotion (personal
data, small cells); a dataset held back is not materialised and the run log says why."""

from collections.abc import Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.bureaus import providers
from orchestration.contracts.model import Contract
from orchestration.instance import WAREHOUSE_POOL
from orchestration.partitions import daily_partitions, night_day
from orchestration.publish.datasets import check_openness, open_datasets
from orchestration.publish.run import PublishOutcome, publish_all
from orchestration.resources import CitybaseHome

CHECKS = {
    "pii_scan": "No resident ID number, mobile number, pseudonym or personal-data column in "
    "the published files.",
    "small_cells": "No count below the dataset's threshold; no group with one withheld cell.",
}


def _results(outcome: PublishOutcome):
    key = outcome.dataset.asset_key
    release = outcome.release
    if outcome.status in ("published", "unchanged") and release is not None:
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "status": outcome.status,
                "release_id": release.id,
                "rows": release.info["rows"],
                "quality_score": release.info.get("quality_score"),
                "openness": outcome.dataset.openness,
                "csv_sha256": release.info["files"]["csv"]["sha256"],
            },
        )
    else:
        yield AssetObservation(
            asset_key=key,
            metadata={
                "status": outcome.status,
                "reasons": MetadataValue.json(outcome.reasons),
                "still_served_release": release.id if release else "none",
            },
        )
    for name, scan in outcome.scans.items():
        yield AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=scan.passed,
            severity=AssetCheckSeverity.ERROR,
            metadata={"findings": scan.findings, "detail": MetadataValue.json(scan.detail)},
        )


def build_publish_assets(contracts: Sequence[Contract]) -> list[AssetsDefinition]:
    """One multi-asset over every open dataset. A dataset more open than the contracts it is
    built from allow stops the code location from loading (check_openness)."""
    datasets = list(open_datasets())
    for d in datasets:
        check_openness(d, contracts)
    publishers = providers(contracts)
    specs = [
        AssetSpec(
            key=d.asset_key,
            deps=[AssetKey.from_user_string(d.model_asset)],
            description=f"{d.title} ({d.title_en}). {d.description_en} Openness: {d.openness}.",
            group_name="published",
            owners=[f"team:{d.bureau}"],
            kinds={"csv", "parquet"},
            tags={"bureau": d.bureau, "openness": d.openness},
            partitions_def=daily_partitions,
            skippable=True,
        )
        for d in datasets
    ]
    checks = [
        AssetCheckSpec(name, asset=d.asset_key, blocking=True, description=text)
        for d in datasets
        if d.openness != "not_open"
        for name, text in CHECKS.items()
        if name != "small_cells" or d.suppression
    ]

    @multi_asset(
        specs=specs,
        check_specs=checks,
        name="publish_open_data",
        pool=WAREHOUSE_POOL,
        can_subset=True,  # a bureau's re-run publishes that bureau's datasets only
    )
    def _publish(context: AssetExecutionContext, home: CitybaseHome):
        day = night_day(context)
        chosen = [d for d in datasets if d.asset_key in context.selected_asset_keys]
        with home.warehouse() as con:
            outcomes = publish_all(con, home.paths, day, publishers, chosen)
        for outcome in outcomes:
            message = f"{outcome.dataset.id}: {outcome.status}"
            if outcome.status == "held_back":
                context.log.warning(
                    f"{message}; still serving the last good release. Why: "
                    + " | ".join(outcome.reasons)
                )
            else:
                context.log.info(message)
            yield from _results(outcome)

    return [_publish]
