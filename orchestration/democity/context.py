"""What every bureau's generator is handed: the run's arguments, the city and the day."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.clock import CITY_TIME
from orchestration.democity import anomalies
from orchestration.democity.anomalies import PlannedAnomaly
from orchestration.democity.defects import Injector
from orchestration.democity.geography import City
from orchestration.democity.random import rng_for


@dataclass
class GenerationContext:
    out: Path
    scale: float
    start: dt.date
    n_days: int
    seed: int
    defect_rate: float
    city: City
    anomalies: dict[tuple[dt.date, str, str], PlannedAnomaly] = field(default_factory=dict)
    ground_truth: list[dict] = field(default_factory=list)

    def days(self) -> Iterator[DayContext]:
        for offset in range(self.n_days):
            yield DayContext(self, self.start + dt.timedelta(days=offset))


@dataclass
class DayContext:
    run: GenerationContext
    day: dt.date

    def rng(self, *parts: object) -> np.random.Generator:
        return rng_for(self.run.seed, *parts, self.day.isoformat())

    def injector(self, bureau: str, dataset: str) -> Injector:
        return Injector(
            self.rng(bureau, dataset, "defects"), self.run.defect_rate, self.day, bureau, dataset
        )

    def write(
        self,
        injector: Injector,
        frame: pd.DataFrame,
        relative: str,
        writer: Callable[..., None],
        header_lines: int = 1,
        **kwargs: object,
    ) -> Path:
        """Writes one delivery and records its defects with their line numbers in the file,
        and the delivery's planned anomaly (if any) with its size."""
        relative = relative.format(date=self.day.isoformat())
        path = self.run.out / relative
        anomaly = self.run.anomalies.get((self.day, injector.bureau, injector.dataset))
        late_hours = 0.0
        if anomaly:
            late_hours = anomaly.size if anomaly.kind == "late_delivery" else 0.0
            if anomaly.kind == "partial_delivery":
                kept = round(len(frame) * (1 - anomaly.size))
                frame = frame.iloc[:kept]
                injector.cut(kept)
            frame = anomalies.apply(anomaly, frame, self.rng(injector.dataset, "anomaly"))
            self.run.ground_truth.append(
                dict(
                    date=self.day.isoformat(),
                    bureau=anomaly.bureau,
                    dataset=anomaly.dataset,
                    file=relative,
                    line=0,
                    kind=f"anomaly_{anomaly.kind}",
                    column=anomaly.column or "",
                    detail=anomaly.detail,
                )
            )
        if injector.malformed_before:
            kwargs["malformed_before"] = injector.malformed_before
        writer(frame, path, **kwargs)
        # Delivered at 00:30 the next day, before any contract's deadline (the earliest is
        # 01:00), so that the timeliness rule sees the demo's bureaus deliver on time.
        delivered = (
            dt.datetime.combine(
                self.day + dt.timedelta(days=1), dt.time(0, 30), tzinfo=CITY_TIME
            ).timestamp()
            + late_hours * 3600
        )
        os.utime(path, (delivered, delivered))
        self.run.ground_truth.extend(injector.ground_truth(relative, header_lines))
        return path
