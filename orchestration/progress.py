"""The night on a terminal: a line per step as each job ends (state, rows, seconds), one line per
failure saying what to do, and a table of the night at the end. Dagster's own console log, dbt's
node log with it, stays behind `-v`: a night is read by people, and 900 lines hide the one that
matters. rich writes colour to a terminal and plain text to a file or a pipe."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dagster import DagsterEventType, DagsterInstance, EventLogEntry
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from dagster._core.execution.plan.objects import StepFailureData

STEP_ENDS = {
    DagsterEventType.STEP_SUCCESS: "ok",
    DagsterEventType.STEP_FAILURE: "failed",
    DagsterEventType.STEP_SKIPPED: "skipped",  # not run: a step it needs failed
}
READ = {
    DagsterEventType.STEP_START,
    *STEP_ENDS,
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_CHECK_EVALUATION,
}
MARKS = {"ok": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[yellow]–[/]"}
ROW_KEYS = ("rows_loaded", "rows")  # what extract and publish record on their materializations


@dataclass
class Step:
    key: str
    state: str = "running"
    started: float | None = None
    ended: float | None = None
    rows: int = 0
    checks_failed: int = 0
    error: str = ""

    @property
    def seconds(self) -> float | None:
        return self.ended - self.started if self.started and self.ended else None


@dataclass
class JobSummary:
    name: str
    success: bool
    seconds: float
    steps: list[Step] = field(default_factory=list)


def _failure_text(failure: StepFailureData) -> str:
    """The first line of what the step said: a Failure's own description (citybase's errors
    name the file, the row and the rule, and what to do), else the error's message."""
    user = failure.user_failure_data
    text = (
        (user.description if user else None) or (failure.error.message if failure.error else "")
    ).strip()
    return text.splitlines()[0] if text else "no message"


def _steps_of(instance: DagsterInstance, run_id: str) -> list[Step]:
    """Each step of a run as its event log recorded it, in the order the steps started."""
    steps: dict[str, Step] = {}
    entry: EventLogEntry
    for entry in instance.all_logs(run_id, of_type=READ):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        step = steps.setdefault(event.step_key, Step(event.step_key))
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            step.started = entry.timestamp
        elif kind in STEP_ENDS:
            step.ended, step.state = entry.timestamp, STEP_ENDS[kind]
            if kind == DagsterEventType.STEP_FAILURE:
                step.error = _failure_text(event.step_failure_data)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            metadata = entry.asset_materialization.metadata
            step.rows += next((int(metadata[k].value) for k in ROW_KEYS if k in metadata), 0)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            step.checks_failed += not event.event_specific_data.passed
    return list(steps.values())


class NightView:
    """What `citybase nightly`, `backfill` and `demo` print while a night runs."""

    def __init__(self, console: Console | None = None, *, steps: bool = True) -> None:
        # bound to the streams of the moment: the night silences stdout while a job runs
        self.console = console or Console(file=sys.stdout, highlight=False)
        self.errors = Console(file=sys.stderr, highlight=False)
        self.show_steps = steps
        self.jobs: list[JobSummary] = []

    @contextmanager
    def job(self, name: str, day: dt.date) -> Iterator[None]:
        with self.console.status(f"{name} {day} …"):
            yield

    def job_done(
        self, instance: DagsterInstance, name: str, run_id: str, success: bool, seconds: float
    ) -> JobSummary:
        summary = JobSummary(name, success, seconds, _steps_of(instance, run_id))
        self.jobs.append(summary)
        mark = MARKS["ok" if success else "failed"]
        self.console.print(f"{mark} [bold]{name}[/]  {seconds:.1f} s")
        for step in summary.steps if self.show_steps else ():
            took = f"{step.seconds:6.1f} s" if step.seconds is not None else "       "
            rows = f"{step.rows:>12,} rows" if step.rows else " " * 17
            checks = f"  {step.checks_failed} check(s) failed" if step.checks_failed else ""
            self.console.print(
                f"   {MARKS.get(step.state, '?')} {step.key:<48}{took}{rows}{checks}",
                soft_wrap=True,
            )
        for step in summary.steps:
            if step.state == "failed":
                self.errors.print(
                    f"✗ {name} / {step.key}: {step.error}", markup=False, soft_wrap=True
                )
        return summary

    def night_done(self, day: dt.date) -> None:
        """The night's jobs as a table (per job its state, steps, rows and seconds), then a
        fresh start for the next night of a backfill or a demo."""
        table = Table(title=f"citybase nightly {day}", title_justify="left")
        for column in ("job", "state", "steps ok", "failed", "skipped", "rows", "seconds"):
            table.add_column(column, justify="left" if column in ("job", "state") else "right")
        for job in self.jobs:
            count = {s: sum(step.state == s for step in job.steps) for s in STEP_ENDS.values()}
            table.add_row(
                job.name,
                "ok" if job.success else "failed",
                str(count["ok"]),
                str(count["failed"]),
                str(count["skipped"]),
                f"{sum(step.rows for step in job.steps):,}",
                f"{job.seconds:.1f}",
            )
        self.console.print(table)
        self.jobs = []
