"""The nightly quality reports as assets: reports/<bureau>/quality_report for every bureau
that delivers, and reports/city/quality_overview. They sit downstream of the raw assets (whose
checks they summarise) and the published datasets (whose outcomes they list)."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.bureaus import bureau_register
from orchestration.contracts import Contract
from orchestration.instance import WAREHOUSE_POOL
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.partitions import daily_partitions, night_day
from orchestration.publish.datasets import open_datasets
from orchestration.reports.nightly import CITY, write_reports
from orchestration.resources import CitybaseHome
from orchestration.sharing.report import sharing_section


def report_key(bureau: str) -> AssetKey:
    return AssetKey(["reports", bureau, "quality_overview" if bureau == CITY else "quality_report"])


def build_report_assets(contracts: list[Contract]) -> list[AssetsDefinition]:
    upstream: dict[str, list[AssetKey]] = {}
    for c in contracts:
        upstream.setdefault(c.bureau, []).extend([raw_asset_key(c), *gtfs_table_keys(c).values()])
    for d in open_datasets():
        upstream.setdefault(d.bureau, []).append(d.asset_key)
    names = bureau_register(contracts)
    specs = [
        AssetSpec(
            key=report_key(bureau),
            deps=keys,
            description=f"Nightly data-quality report of the {names[bureau]['en']} "
            f"({names[bureau]['zh']}): scores on the six GB/T 36344 dimensions, reconciliation "
            "per file, failed rules with masked examples, timeliness, publication outcomes and "
            "a 30-night trend; HTML and JSON under reports/<bureau>/.",
            group_name="reports",
            owners=[f"team:{bureau}"],
            kinds={"html", "json"},
            tags={"bureau": bureau},
            partitions_def=daily_partitions,
        )
        for bureau, keys in sorted(upstream.items())
    ]
    specs.append(
        AssetSpec(
            key=report_key(CITY),
            deps=[s.key for s in specs],
            description="The city overview: every bureau's scores side by side, ranked, with "
            "the week's change.",
            group_name="reports",
            owners=["team:city"],
            kinds={"html", "json"},
            tags={"bureau": CITY},
            partitions_def=daily_partitions,
        )
    )

    @multi_asset(specs=specs, name="quality_reports", pool=WAREHOUSE_POOL, can_subset=True)
    def _reports(context: AssetExecutionContext, home: CitybaseHome):
        day = night_day(context)
        chosen = {key.path[1] for key in context.selected_asset_keys}
        with home.warehouse() as con:
            written = write_reports(
                con,
                home.paths,
                day,
                contracts,
                chosen,
                sharing=lambda bureau: sharing_section(home.paths, bureau, day),
            )
        for report in written:
            yield MaterializeResult(
                asset_key=report_key(report.bureau),
                metadata={
                    **{name: MetadataValue.float(s) for name, s in report.scores.items()},
                    "report": MetadataValue.path(str(report.html)),
                    "open": MetadataValue.url(report.html.as_uri()),
                },
            )

    return [_reports]
