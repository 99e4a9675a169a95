"""The demo city: a deterministic generator of what seven bureaus of a city deliver.

`generate()` writes each bureau's side of the demo (file drops, a database, the data behind a
REST API) under one folder, plus `_ground_truth/defects.csv` listing every injected defect.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from orchestration.democity.anomalies import PlannedAnomaly
from orchestration.democity.bureaus import (
    civil_affairs,
    environment,
    gov_services,
    health,
    hotline,
    tourism,
    transport,
)
from orchestration.democity.context import GenerationContext
from orchestration.democity.defects import GROUND_TRUTH_COLUMNS
from orchestration.democity.geography import build_city

GENERATORS = (civil_affairs, transport, tourism, health, gov_services, hotline, environment)


def generate(
    out: Path,
    scale: float,
    days: int,
    start: dt.date,
    seed: int,
    defect_rate: float = 0.01,
    anomalies: list[PlannedAnomaly] = (),
) -> GenerationContext:
    """Writes the demo city; `anomalies` (democity.anomalies.plan_anomalies) are injected into
    the deliveries they name, on top of the row defects of `defect_rate`."""
    if scale <= 0 or days <= 0 or not 0 <= defect_rate < 1:
        raise ValueError("scale and days must be positive and defect rate within [0, 1)")
    out.mkdir(parents=True, exist_ok=True)
    planned = {(a.day, a.bureau, a.dataset): a for a in anomalies}
    ctx = GenerationContext(
        out, scale, start, days, seed, defect_rate, build_city(seed, scale), planned
    )
    for module in GENERATORS:
        module.generate(ctx)
    truth = pd.DataFrame(ctx.ground_truth, columns=GROUND_TRUTH_COLUMNS)
    truth = truth.sort_values(["date", "bureau", "dataset", "line", "kind"], ignore_index=True)
    (out / "_ground_truth").mkdir(exist_ok=True)
    truth.to_csv(out / "_ground_truth" / "defects.csv", index=False, lineterminator="\n")
    params = {
        "scale": scale,
        "days": days,
        "start": start.isoformat(),
        "seed": seed,
        "defect_rate": defect_rate,
        "anomalies": len(planned),
    }
    (out / "democity.json").write_text(json.dumps(params, indent=2) + "\n")
    return ctx
