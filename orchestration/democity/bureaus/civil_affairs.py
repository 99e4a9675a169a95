"""民政局: administrative divisions with codes, and population per community, as Excel workbooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.democity.context import GenerationContext
from orchestration.democity.random import rng_for
from orchestration.democity.writers import write_xlsx


def generate(ctx: GenerationContext) -> None:
    divisions = ctx.city.divisions[["code", "name", "level", "parent_code", "lat", "lon"]].rename(
        columns={
            "code": "division_code",
            "name": "division_name",
            "lat": "centroid_lat",
            "lon": "centroid_lon",
        }
    )
    write_xlsx(divisions, ctx.out / "civil_affairs" / "divisions.xlsx", sheet="区划")
    rng = rng_for(ctx.seed, "civil_affairs", "population")
    comm = ctx.city.communities
    population = comm["population"].to_numpy()
    young = rng.uniform(0.1, 0.18, len(comm))
    old = rng.uniform(0.15, 0.3, len(comm))
    frame = pd.DataFrame(
        {
            "community_code": comm["code"],
            "year": ctx.start.year,
            "resident_population": population,
            "households": (population / rng.uniform(2.3, 2.9, len(comm))).astype(int),
            "population_0_14": (population * young).astype(int),
            "population_60_plus": (population * old).astype(int),
        }
    )
    frame["population_15_59"] = (
        frame["resident_population"] - frame["population_0_14"] - frame["population_60_plus"]
    )
    frame = frame.astype({c: np.int64 for c in frame.columns if c != "community_code"})
    write_xlsx(frame, ctx.out / "civil_affairs" / "population.xlsx", sheet="人口")
