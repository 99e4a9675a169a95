"""Running the platform's own Dagster jobs from a test, as the sensors and the UI launch them."""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult

from orchestration.night import prepare_environment, run_config
from orchestration.settings import Paths


def run_job(
    home: Paths,
    job_name: str,
    day: dt.date,
    keys: list[AssetKey] | None = None,
    tags: dict[str, str] | None = None,
) -> ExecuteInProcessResult:
    """One run of a nightly job for a day, on the home's Dagster instance; `keys` selects a
    subset of its assets, as a late-delivery sensor does."""
    prepare_environment(home)
    from orchestration.definitions import defs

    with DagsterInstance.from_config(str(home.dagster_home)) as instance:
        return defs.resolve_job_def(job_name).execute_in_process(
            partition_key=day.isoformat(),
            asset_selection=keys,
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_config=run_config(home, "ERROR"),
        )


def failure_messages(result: ExecuteInProcessResult) -> list[str]:
    """Each failed step's error, with the errors that caused it (a user error is wrapped)."""
    messages = []
    for event in result.all_events:
        error = event.step_failure_data.error if event.is_step_failure else None
        chain = []
        while error is not None:
            chain.append(error.message.strip())
            error = error.cause
        if chain:
            messages.append(" <- ".join(chain))
    return messages
