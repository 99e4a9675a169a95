"""The demo city's administrative divisions.

City → district → subdistrict (街道) → community (社区).

Codes follow the national 12-digit statistical division format: 6-digit county-level code,
3-digit township-level code, 3-digit village-level code. The city itself (江城市, code prefix 3399)
is fictional so that nobody mistakes demo output for a real city's data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.democity.random import rng_for

CITY_CODE = "339900000000"
CITY_NAME = "江城市"
CITY_CENTRE = (30.58, 114.30)
DISTRICTS = [
    ("339902", "江岸区", (0.05, 0.04)),
    ("339903", "江汉区", (0.02, -0.02)),
    ("339904", "汉阳区", (-0.04, -0.06)),
    ("339905", "武昌区", (-0.02, 0.05)),
    ("339906", "青山区", (0.07, 0.11)),
    ("339907", "洪山区", (-0.07, 0.09)),
]
PLACE_CHARS = list(
    "东西南北中新华兴和平安民康宁福春秋光明长青文昌盛荣丰泰祥瑞鸿锦绣江湖山水桥园林湾港"
)


@dataclass(frozen=True)
class City:
    """All divisions as one frame: code, name, level, parent_code, lat, lon, population."""

    divisions: pd.DataFrame

    def level(self, level: str) -> pd.DataFrame:
        return self.divisions[self.divisions["level"] == level].reset_index(drop=True)

    @property
    def communities(self) -> pd.DataFrame:
        return self.level("community")

    @property
    def district_codes(self) -> np.ndarray:
        return np.array([code for code, _, _ in DISTRICTS])


def _place_name(rng: np.random.Generator, used: set[str], suffix: str) -> str:
    while True:
        name = "".join(rng.choice(PLACE_CHARS, 2)) + suffix
        if name not in used:
            used.add(name)
            return name


def build_city(seed: int, scale: float) -> City:
    """The same seed gives the same city; scale sets the population (SF1 ≈ one million)."""
    rng = rng_for(seed, "geography")
    rows = [(CITY_CODE, CITY_NAME, "city", None, *CITY_CENTRE, 0)]
    used: set[str] = set()
    for district_code, district_name, (dlat, dlon) in DISTRICTS:
        lat0, lon0 = CITY_CENTRE[0] + dlat, CITY_CENTRE[1] + dlon
        rows.append((district_code + "000000", district_name, "district", CITY_CODE, lat0, lon0, 0))
        for s in range(1, int(rng.integers(5, 9)) + 1):
            sub_code = f"{district_code}{s:03d}000"
            slat, slon = lat0 + rng.normal(0, 0.015), lon0 + rng.normal(0, 0.015)
            rows.append(
                (
                    sub_code,
                    _place_name(rng, used, "街道"),
                    "subdistrict",
                    district_code + "000000",
                    slat,
                    slon,
                    0,
                )
            )
            for c in range(1, int(rng.integers(5, 11)) + 1):
                rows.append(
                    (
                        f"{district_code}{s:03d}{c:03d}",
                        _place_name(rng, used, "社区"),
                        "community",
                        sub_code,
                        slat + rng.normal(0, 0.004),
                        slon + rng.normal(0, 0.004),
                        0,
                    )
                )
    frame = pd.DataFrame(
        rows, columns=["code", "name", "level", "parent_code", "lat", "lon", "population"]
    )
    communities = frame["level"] == "community"
    weights = rng.lognormal(0, 0.4, int(communities.sum()))
    frame.loc[communities, "population"] = np.round(
        weights / weights.sum() * 1_000_000 * scale
    ).astype(int)
    frame[["lat", "lon"]] = frame[["lat", "lon"]].round(6)
    return City(frame)


def pick_communities(rng: np.random.Generator, city: City, n: int) -> np.ndarray:
    """Community codes drawn in proportion to population: where people live, events happen."""
    comm = city.communities
    p = comm["population"].to_numpy(float) + 1
    return comm["code"].to_numpy()[rng.choice(len(comm), n, p=p / p.sum())]
