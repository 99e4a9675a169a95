"""文化和旅游局: attractions and gate entries behind a paged REST API; hotel occupancy as CSV.

The API's backing data is written as JSON files that the demo's HTTP server pages through.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.geography import pick_communities
from orchestration.democity.random import rng_for
from orchestration.democity.writers import write_csv, write_jsonl
from orchestration.holidays import day_type

# Province-level codes (GB/T 2260) of visitors' origin; the home province weighs most.
PROVINCES = np.array(
    ["33", "11", "31", "32", "34", "35", "36", "37", "41", "42", "43", "44", "50", "51", "61"]
)
PROVINCE_WEIGHTS = np.array([40, 4, 8, 9, 6, 3, 5, 4, 5, 3, 3, 5, 2, 2, 1], float)
ENTRY_PROFILE = np.array(
    [0, 0, 0, 0, 0, 0, 0, 2, 8, 14, 16, 14, 10, 11, 12, 10, 7, 4, 2, 1, 0, 0, 0, 0], float
)
LEVELS = ["AAAAA", "AAAA", "AAAA", "AAA", "AAA", "AA"]
KINDS = ["公园", "博物馆", "古镇", "景区", "纪念馆", "湿地", "植物园"]


def attractions(ctx: GenerationContext) -> pd.DataFrame:
    rng = rng_for(ctx.seed, "tourism", "attractions")
    n = int(np.clip(round(30 * np.sqrt(ctx.scale)), 8, 80))
    communities = pick_communities(rng, ctx.city, n)
    comm = ctx.city.communities.set_index("code").loc[communities]
    level = np.array(LEVELS)[rng.integers(0, len(LEVELS), n)]
    capacity = (
        np.array([len(lv) for lv in level]) * rng.integers(1500, 4000, n) * ctx.scale
    ).astype(int) + 200
    return pd.DataFrame(
        {
            "attraction_id": [f"T{i:03d}" for i in range(1, n + 1)],
            "name": [f"{c[:2]}{KINDS[i % len(KINDS)]}" for i, c in enumerate(comm["name"])],
            "a_level": level,
            "community_code": communities,
            "lat": comm["lat"].to_numpy().round(5),
            "lon": comm["lon"].to_numpy().round(5),
            "daily_capacity": capacity,
            "instant_capacity": (capacity / 4).astype(int),
            "ticket_price_yuan": rng.choice([0, 20, 40, 60, 80, 120], n),
        }
    )


def write_gate_entries(ctx: GenerationContext, day_ctx: DayContext, sites: pd.DataFrame) -> None:
    rng = day_ctx.rng("tourism", "entries")
    factor = {"workday": 0.6, "makeup_workday": 0.6, "weekend": 1.2, "holiday": 2.5}
    weights = sites["daily_capacity"].to_numpy(float)
    n = int(40_000 * ctx.scale * factor[day_type(day_ctx.day)])
    which = rng.choice(len(sites), n, p=weights / weights.sum())
    seconds = rng.choice(24, n, p=ENTRY_PROFILE / ENTRY_PROFILE.sum()) * 3600 + rng.integers(
        0, 3600, n
    )
    order = np.lexsort((which, seconds))
    day_code = day_ctx.day.strftime("%Y%m%d")
    entries = pd.DataFrame(
        {
            "entry_id": [f"E{day_code}{i:07d}" for i in range(1, n + 1)],
            "attraction_id": sites["attraction_id"].to_numpy()[which[order]],
            "entered_at": (
                pd.Timestamp(day_ctx.day) + pd.to_timedelta(seconds[order], unit="s")
            ).strftime("%Y-%m-%d %H:%M:%S"),
            "gate": rng.choice(["东门", "南门", "西门", "北门"], n),
            "ticket_type": rng.choice(
                ["full", "half", "free", "annual_pass"], n, p=[0.55, 0.2, 0.15, 0.1]
            ),
            "origin_province_code": rng.choice(
                PROVINCES, n, p=PROVINCE_WEIGHTS / PROVINCE_WEIGHTS.sum()
            ),
        }
    )
    inj = day_ctx.injector("tourism", "gate_entries")
    inj.missing(entries, "attraction_id")
    inj.late(entries, "entered_at")
    entries = inj.duplicates(entries)
    day_ctx.write(
        inj, entries, "tourism/api/gate_entries/{date}.jsonl", write_jsonl, header_lines=0
    )


def write_hotel_occupancy(ctx: GenerationContext, day_ctx: DayContext) -> None:
    rng = rng_for(ctx.seed, "tourism", "hotels")
    n = int(np.clip(round(120 * ctx.scale), 10, 2000))
    rooms = rng.integers(40, 400, n)
    stars = rng.choice([2, 3, 4, 5], n, p=[0.3, 0.35, 0.25, 0.1])
    hotels = pd.DataFrame(
        {
            "hotel_id": [f"H{i:04d}" for i in range(1, n + 1)],
            "hotel_name": [
                f"江城{['如家', '锦江', '华住', '开元', '维也纳'][i % 5]}酒店{i}号店"
                for i in range(1, n + 1)
            ],
            "star_rating": stars,
            "community_code": pick_communities(rng, ctx.city, n),
            "rooms_total": rooms,
        }
    )
    day_rng = day_ctx.rng("tourism", "occupancy")
    base = {"workday": 0.62, "makeup_workday": 0.6, "weekend": 0.78, "holiday": 0.92}
    occupied = np.minimum(
        rooms,
        (rooms * np.clip(day_rng.normal(base[day_type(day_ctx.day)], 0.08, n), 0.1, 1.0)).astype(
            int
        ),
    )
    frame = hotels.assign(
        date=day_ctx.day.isoformat(),
        rooms_occupied=occupied,
        guests=(occupied * day_rng.uniform(1.2, 1.9, n)).astype(int),
        average_price_yuan=(stars * 120 * day_rng.uniform(0.8, 1.4, n)).round(2),
    )
    inj = day_ctx.injector("tourism", "hotel_occupancy")
    inj.out_of_range(frame, "rooms_occupied", 99999)
    inj.invalid_division(frame, "community_code")
    frame = inj.renamed_column(frame, "average_price_yuan")
    day_ctx.write(inj, frame, "tourism/hotel_occupancy/{date}.csv", write_csv)


def generate(ctx: GenerationContext) -> None:
    sites = attractions(ctx)
    write_jsonl(sites, ctx.out / "tourism" / "api" / "attractions.jsonl")
    for day_ctx in ctx.days():
        write_gate_entries(ctx, day_ctx, sites)
        write_hotel_occupancy(ctx, day_ctx)
