"""The citybase code location: every asset, check, job, schedule and resource, assembled here."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    Definitions,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
)
from dagster_dbt import DbtCliResource

from orchestration.assets.extract import build_extract_asset
from orchestration.assets.transform import build_dbt_assets
from orchestration.contracts import load_contracts
from orchestration.resources import CitybaseHome
from orchestration.transform import dbt_executable, dbt_project

extract_assets = [build_extract_asset(c) for c in load_contracts()]
model_assets = [build_dbt_assets()]

# One run per night: extract → checks → dbt build. In-process execution: DuckDB takes one writer
# at a time anyway, and a process per step would cost more than most steps' work.
nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="The nightly build of one day: land every bureau's delivery, check it, build "
    "the warehouse.",
)

nightly_schedule = build_schedule_from_partitioned_job(
    nightly_job,
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 Asia/Shanghai: build the previous day.",
)

defs = Definitions(
    assets=[*extract_assets, *model_assets],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    resources={
        "home": CitybaseHome(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
)
