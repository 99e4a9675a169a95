"""Anomalies injected on purpose: deliveries that are valid and wrong, the incidents that no
rule catches and the metric store's baselines must (orchestration/observability).

Each is a whole-delivery change of a stated size, written to the ground-truth file as kind
`anomaly_<kind>` with its size:
- partial_delivery: the last `size` share of the file's rows missing (an upload cut off),
- null_jump:        `size` share of one column's values emptied,
- code_swap:        a coded column's values replaced by another code list (numbers for names),
- unit_change:      a numeric column multiplied by `size` (mg/m³ delivered as µg/m³: ×1000),
- late_delivery:    the file arriving `size` hours later than usual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.democity.random import rng_for

KINDS = ("partial_delivery", "null_jump", "code_swap", "unit_change", "late_delivery")
SIZES = {  # the sizes docs/quality.md states recall for
    "partial_delivery": 0.4,
    "null_jump": 0.3,
    "code_swap": 1.0,
    "unit_change": 1000.0,
    "late_delivery": 6.0,
}
# The delivered column each kind changes, per file-delivered daily dataset.
TARGETS: dict[tuple[str, str], dict[str, str | None]] = {
    ("environment", "air_quality_hourly"): {
        "partial_delivery": None,
        "null_jump": "so2",
        "unit_change": "co",
        "late_delivery": None,
    },
    ("health", "outpatient_visits"): {
        "partial_delivery": None,
        "null_jump": "hospital_id",
        "code_swap": "diagnosis_group",
        "unit_change": "fee_yuan",
        "late_delivery": None,
    },
    ("health", "bed_occupancy"): {
        "null_jump": "discharges",
        "unit_change": "admissions",
        "late_delivery": None,
    },
    ("hotline", "work_orders"): {
        "partial_delivery": None,
        "null_jump": "subcategory",
        "code_swap": "channel",
        "late_delivery": None,
    },
    ("tourism", "hotel_occupancy"): {
        "null_jump": "guests",
        "unit_change": "average_price_yuan",
        "late_delivery": None,
    },
    ("transport", "smartcard_taps"): {
        "partial_delivery": None,
        "null_jump": "route_id",
        "code_swap": "tap_type",
        "unit_change": "amount_yuan",
        "late_delivery": None,
    },
    ("transport", "bus_gps"): {
        "partial_delivery": None,
        "null_jump": "trip_id",
        "unit_change": "speed_kmh",
        "late_delivery": None,
    },
}


@dataclass(frozen=True)
class PlannedAnomaly:
    day: dt.date
    bureau: str
    dataset: str
    kind: str
    size: float
    column: str | None = None

    @property
    def detail(self) -> str:
        described = {
            "partial_delivery": f"{self.size:.0%} of the rows missing (the end of the file)",
            "null_jump": f"{self.size:.0%} of the values emptied",
            "code_swap": "codes replaced by another code list",
            "unit_change": f"values multiplied by {self.size:g}",
            "late_delivery": f"delivered {self.size:g} hours late",
        }
        return f"size {self.size:g}: {described[self.kind]}"


def plan_anomalies(
    start: dt.date, days: int, seed: int, rate: float = 0.15, warmup: int = 14
) -> list[PlannedAnomaly]:
    """About `rate` of the (dataset, night) deliveries after `warmup` nights get one anomaly;
    each dataset goes through the kinds it can carry in turn, at the stated sizes."""
    planned = []
    for (bureau, dataset), kinds in sorted(TARGETS.items()):
        turn = rng_for(seed, "anomalies", bureau, dataset).permutation(sorted(kinds)).tolist()
        for offset in range(warmup, days):
            day = start + dt.timedelta(days=offset)
            if rng_for(seed, "anomalies", bureau, dataset, day.isoformat()).random() >= rate:
                continue
            kind = turn[sum(1 for a in planned if a.dataset == dataset) % len(turn)]
            planned.append(PlannedAnomaly(day, bureau, dataset, kind, SIZES[kind], kinds[kind]))
    return sorted(planned, key=lambda a: (a.day, a.bureau, a.dataset))


def apply(anomaly: PlannedAnomaly, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The frame as the anomaly delivers it (a partial delivery is cut by DayContext.write,
    which also keeps the row defects' ground truth; a late one only changes the file's time)."""
    column = anomaly.column
    frame = frame.copy()
    if anomaly.kind == "null_jump":
        rows = rng.random(len(frame)) < anomaly.size
        frame[column] = frame[column].astype(object).where(~rows, None)
    elif anomaly.kind == "code_swap":
        codes = {v: f"{i:02d}" for i, v in enumerate(sorted(frame[column].dropna().unique()), 1)}
        frame[column] = frame[column].map(codes)
    elif anomaly.kind == "unit_change":
        frame[column] = pd.to_numeric(frame[column], errors="coerce") * anomaly.size
    return frame
