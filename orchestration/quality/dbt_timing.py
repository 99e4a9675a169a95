"""How much of a dbt build's wall time its tests took.

dbt runs models and tests on several threads at once, so the sum of the tests' own times
counts a second twice whenever two tests run side by side. Here each moment of the build is
shared evenly among the nodes running at that moment, and a test is charged its share: the
tests' figures then add up, with the models', to the build's wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any


def _interval(result: Mapping[str, Any]) -> tuple[float, float] | None:
    stamps = [
        dt.datetime.fromisoformat(t[edge].replace("Z", "+00:00")).timestamp()
        for t in result.get("timing", [])
        for edge in ("started_at", "completed_at")
        if t.get(edge)
    ]
    return (min(stamps), max(stamps)) if stamps else None


def wall_seconds_by_kind(results: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Seconds of wall time per resource type ("model", "test", "seed", …) from the
    `results` of dbt's run_results.json, concurrent nodes sharing each moment evenly."""
    spans = []
    for result in results:
        interval = _interval(result)
        if interval:
            spans.append((*interval, result["unique_id"].split(".", 1)[0]))
    edges = sorted({t for start, end, _ in spans for t in (start, end)})
    charged: dict[str, float] = {}
    for left, right in pairwise(edges):
        running = [kind for start, end, kind in spans if start <= left and end >= right]
        for kind in running:
            charged[kind] = charged.get(kind, 0.0) + (right - left) / len(running)
    return charged
