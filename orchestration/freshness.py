"""Freshness: each daily source's delivery is due at its contract's time on the following day.

Dagster's time-partition freshness checks say, from that time on, whether yesterday's partition
of the raw asset was materialised; a delivery that has not arrived (or did not load) shows in the
UI as a failed `freshness_check` on the asset: overdue. The sensor evaluates them every 10 minutes.
The bureau's report says the same from the load manifest (see reports/content.py).

Dagster 1.13 marks these checks superseded by `FreshnessPolicy`, but the new policies are a
preview and judge an asset by its latest materialisation whatever the partition: a backfill of
an old day would make a missing yesterday look fresh. The partition-aware checks say what a
contract means, so they stay, and the supersession warning is silenced here alone.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    DefaultSensorStatus,
    SensorDefinition,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
)

from orchestration.contracts.model import Contract
from orchestration.keys import raw_asset_key
from orchestration.location import CONTRACTS
from orchestration.settings import TIMEZONE


def delivery_freshness_checks(contracts: list[Contract]) -> list[AssetChecksDefinition]:
    by_deadline: dict[str, list[AssetKey]] = defaultdict(list)
    for contract in contracts:
        if contract.is_daily:
            due = contract.expected_delivery
            by_deadline[f"{due.minute} {due.hour} * * *"].append(raw_asset_key(contract))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            check
            for cron, keys in sorted(by_deadline.items())
            for check in build_time_partition_freshness_checks(
                assets=keys, deadline_cron=cron, timezone=TIMEZONE
            )
        ]


def freshness_sensor(checks: list[AssetChecksDefinition]) -> SensorDefinition:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_sensor_for_freshness_checks(
            freshness_checks=checks,
            minimum_interval_seconds=600,
            name="overdue_deliveries",
            default_status=DefaultSensorStatus.RUNNING,
        )


freshness_checks = delivery_freshness_checks(CONTRACTS)
