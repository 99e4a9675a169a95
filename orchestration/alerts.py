"""Run-failure alerts: to the log always, and to a webhook when CITYBASE_ALERT_WEBHOOK_URL is set.

The body is JSON (job, run id, day, the failed steps and their errors) so that any chat tool's
incoming-webhook adapter or an on-call system can take it. A webhook that is down must not
hide the failure: the alert is logged first, and a failed POST is logged as well.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field

import requests
from dagster import (
    DagsterEvent,
    DagsterRun,
    DefaultSensorStatus,
    RunFailureSensorContext,
    run_failure_sensor,
)

WEBHOOK_VARIABLE = "CITYBASE_ALERT_WEBHOOK_URL"
log = logging.getLogger("citybase.alerts")


@dataclass
class Alert:
    job: str
    run_id: str
    day: str | None
    failed_steps: dict[str, str] = field(default_factory=dict)  # step key -> error message

    @property
    def text(self) -> str:
        steps = "; ".join(f"{step}: {error}" for step, error in self.failed_steps.items())
        day = self.day or "no day"
        return f"citybase run failed: {self.job} for {day} ({self.run_id}). {steps}"


def send_alert(alert: Alert, logger: logging.Logger | None = None) -> bool:
    """Logs the alert and POSTs it to the webhook; True when the webhook took it (2xx)."""
    logger = logger or log
    logger.error(alert.text)
    url = os.environ.get(WEBHOOK_VARIABLE)
    if not url:
        return False
    try:
        response = requests.post(url, json={**asdict(alert), "text": alert.text}, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        logger.error(f"alert webhook {url} did not take the alert: {exc}")
        return False
    return True


def alert_for(run: DagsterRun, step_failures: list[DagsterEvent], why: str = "") -> Alert:
    """The alert for a failed run, from its step-failure events (or why the run failed)."""
    steps = {}
    for event in step_failures:
        error = event.step_failure_data.error
        steps[event.step_key or "?"] = (error.message.strip() if error else "unknown")[:1000]
    if not steps:
        steps["run"] = why or "the run failed before any step"
    return Alert(run.job_name, run.run_id, run.tags.get("dagster/partition"), steps)


@run_failure_sensor(
    name="alert_on_run_failure",
    description="Logs every failed run and POSTs it to CITYBASE_ALERT_WEBHOOK_URL when set.",
    default_status=DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    alert = alert_for(
        context.dagster_run, context.get_step_failure_events(), context.failure_event.message
    )
    send_alert(alert, context.log)
