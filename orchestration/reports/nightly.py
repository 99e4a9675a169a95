"""The night's reports: scores stored, one report per delivering bureau, the city overview.

reports/<bureau>/<YYYY-MM-DD>.html and .json
reports/city/<YYYY-MM-DD>.html and .json
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.contracts import Contract
from orchestration.reports.content import bureau_report, city_report
from orchestration.reports.render import write_report
from orchestration.reports.scores import history, score_night
from orchestration.settings import Paths

CITY = "city"


@dataclass(frozen=True)
class WrittenReport:
    bureau: str  # or "city"
    html: Path
    scores: dict[str, float]


def write_reports(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    day: dt.date,
    contracts: list[Contract],
    chosen: set[str] | None = None,
    sharing: Callable[[str], dict[str, Any] | None] | None = None,
) -> list[WrittenReport]:
    """Scores the night and writes the reports of the `chosen` bureaus (and "city"); all of
    them when None. The city overview always reads every bureau's scores. `sharing` gives a
    bureau's section on who accessed its data (None: no sharing service)."""
    units = score_night(con, day, contracts)
    trends = history(con, day)
    written, contents = [], []
    for bureau in sorted({c.bureau for c in contracts}):
        content = bureau_report(
            con, bureau, day, contracts, units.get(bureau, {}), trends.get(bureau, {})
        )
        content["sharing"] = sharing(bureau) if sharing else None
        contents.append(content)
        if chosen is None or bureau in chosen:
            html = write_report(paths.reports / bureau, day.isoformat(), "bureau.html.j2", content)
            written.append(WrittenReport(bureau, html, content["scores"]))
    if chosen is None or CITY in chosen:
        city = city_report(day, contents, trends)
        html = write_report(paths.reports / CITY, day.isoformat(), "city.html.j2", city)
        overall = {b["bureau"]: b["scores"].get("overall") for b in city["bureaus"]}
        written.append(WrittenReport(CITY, html, overall))
    return written
