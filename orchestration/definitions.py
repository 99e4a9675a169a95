"""The citybase code location: every asset, check, job, schedule and resource, assembled here."""

from __future__ import annotations

from dagster import Definitions

from orchestration.alerts import alert_on_run_failure
from orchestration.assets.analyst import build_snapshot_asset
from orchestration.assets.extract import build_extract_asset
from orchestration.assets.publish import build_publish_assets
from orchestration.assets.reports import build_report_assets
from orchestration.assets.transform import build_dbt_assets
from orchestration.bureaus import bureaus_delivering
from orchestration.freshness import freshness_checks, freshness_sensor
from orchestration.integrations.dbt.resource import project_dbt_resource
from orchestration.jobs import NIGHT, nightly_schedule
from orchestration.location import CONTRACTS
from orchestration.resources import CitybaseHome
from orchestration.sensors import chain_sensors, delivery_sensor

contracts = CONTRACTS
dbt_warehouse = build_dbt_assets(contracts)
defs = Definitions(
    assets=[
        *(build_extract_asset(c, contracts) for c in contracts),
        dbt_warehouse,
        build_snapshot_asset(dbt_warehouse),
        *build_publish_assets(contracts),
        *build_report_assets(contracts),
    ],
    asset_checks=freshness_checks,
    jobs=list(NIGHT),
    schedules=[nightly_schedule],
    sensors=[
        *chain_sensors,
        *(delivery_sensor(bureau, contracts) for bureau in bureaus_delivering(contracts)),
        freshness_sensor(freshness_checks),
        alert_on_run_failure,
    ],
    resources={
        "home": CitybaseHome(),
        "dbt": project_dbt_resource(),
    },
)
