"""生态环境局: monitoring stations and hourly PM2.5, PM10, SO2, NO2, O3 (µg/m³) and CO (mg/m³)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.random import rng_for
from orchestration.democity.writers import write_csv

HOURS = np.arange(24)
RUSH = np.exp(-((HOURS - 8) ** 2) / 4) + np.exp(-((HOURS - 18) ** 2) / 4)
SUN = np.clip(np.sin((HOURS - 6) / 12 * np.pi), 0, None)


def stations(ctx: GenerationContext) -> pd.DataFrame:
    rng = rng_for(ctx.seed, "environment", "stations")
    subdistricts = ctx.city.level("subdistrict")
    chosen = subdistricts.iloc[
        np.sort(rng.choice(len(subdistricts), min(24, len(subdistricts)), replace=False))
    ]
    return pd.DataFrame(
        {
            "station_id": [f"{i:04d}A" for i in range(1, len(chosen) + 1)],
            "station_name": chosen["name"].str.replace("街道", "监测站").to_numpy(),
            "division_code": chosen["code"].to_numpy(),
            "station_type": rng.choice(
                ["城市评价点", "交通点", "背景点"], len(chosen), p=[0.7, 0.2, 0.1]
            ),
            "lat": chosen["lat"].round(5).to_numpy(),
            "lon": chosen["lon"].round(5).to_numpy(),
        }
    )


def write_hourly(ctx: GenerationContext, day_ctx: DayContext, sites: pd.DataFrame) -> None:
    rng = day_ctx.rng("environment", "hourly")
    n_sites = len(sites)
    level = rng.lognormal(np.log(35), 0.5)  # the day's regional PM2.5 level
    shape = (n_sites, 24)
    pm25 = level * rng.lognormal(0, 0.2, shape) * (1 + 0.3 * RUSH)
    frame = pd.DataFrame(
        {
            "station_id": np.repeat(sites["station_id"].to_numpy(), 24),
            "measured_at": np.tile([f"{day_ctx.day} {h:02d}:00:00" for h in HOURS], n_sites),
            "pm25": pm25.ravel().round(0),
            "pm10": (pm25 * rng.uniform(1.3, 1.9, shape)).ravel().round(0),
            "so2": rng.lognormal(np.log(8), 0.4, shape).ravel().round(0),
            "no2": (20 * rng.lognormal(0, 0.3, shape) * (1 + RUSH)).ravel().round(0),
            "o3": (30 + 120 * SUN * rng.lognormal(0, 0.25, shape)).ravel().round(0),
            "co": (0.5 * rng.lognormal(0, 0.3, shape) * (1 + 0.5 * RUSH)).ravel().round(1),
        }
    )
    inj = day_ctx.injector("environment", "air_quality_hourly")
    inj.out_of_range(frame, "pm25", 99999.0)
    inj.missing(frame, "no2")
    frame = inj.duplicates(frame)
    day_ctx.write(inj, frame, "environment/air_quality_hourly/{date}.csv", write_csv)


def generate(ctx: GenerationContext) -> None:
    sites = stations(ctx)
    write_csv(sites, ctx.out / "environment" / "stations.csv")
    for day_ctx in ctx.days():
        write_hourly(ctx, day_ctx, sites)
