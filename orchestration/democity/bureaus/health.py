"""卫生健康委: hospitals, outpatient visits (patient ID numbers) and bed occupancy, GBK CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.geography import pick_communities
from orchestration.democity.people import id_numbers, mobiles, names
from orchestration.democity.random import rng_for
from orchestration.democity.writers import write_csv
from orchestration.holidays import is_working

DEPARTMENTS = ["内科", "外科", "儿科", "妇产科", "眼科", "口腔科", "急诊科", "中医科", "皮肤科"]
DEPARTMENT_WEIGHTS = np.array([25, 12, 14, 9, 6, 6, 10, 10, 8], float)
LEVELS = ["三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级甲等"]
DIAGNOSES = [
    "J00-J99 呼吸系统疾病",
    "I00-I99 循环系统疾病",
    "K00-K93 消化系统疾病",
    "M00-M99 肌肉骨骼疾病",
    "E00-E90 内分泌疾病",
    "S00-T98 损伤",
    "Z00-Z99 健康检查",
]
VISIT_PROFILE = np.array(
    [1, 1, 1, 1, 1, 1, 2, 10, 18, 20, 17, 10, 4, 8, 14, 13, 9, 4, 3, 3, 2, 2, 1, 1], float
)


def hospitals(ctx: GenerationContext) -> pd.DataFrame:
    rng = rng_for(ctx.seed, "health", "hospitals")
    n = int(np.clip(round(25 * np.sqrt(ctx.scale)), 6, 120))
    level = np.array(LEVELS)[rng.integers(0, len(LEVELS), n)]
    return pd.DataFrame(
        {
            "hospital_id": [f"YY{i:04d}" for i in range(1, n + 1)],
            "hospital_name": [f"江城市第{i}人民医院" for i in range(1, n + 1)],
            "hospital_level": level,
            "community_code": pick_communities(rng, ctx.city, n),
            "beds_approved": np.where(np.char.startswith(level.astype(str), "三"), 1200, 400)
            * rng.uniform(0.5, 1.5, n).round(2),
        }
    ).astype({"beds_approved": int})


def write_outpatient_visits(
    ctx: GenerationContext, day_ctx: DayContext, sites: pd.DataFrame
) -> None:
    rng = day_ctx.rng("health", "visits")
    n = int(30_000 * ctx.scale * (1.0 if is_working(day_ctx.day) else 0.55))
    seconds = rng.choice(24, n, p=VISIT_PROFILE / VISIT_PROFILE.sum()) * 3600 + rng.integers(
        0, 3600, n
    )
    seconds.sort()
    home = pick_communities(rng, ctx.city, n)
    ages = np.clip(rng.gamma(2.2, 18, n), 0, 99).astype(int)
    births = day_ctx.day.year - ages
    regions = np.where(rng.random(n) < 0.85, home.astype("U6"), "420102")
    visits = pd.DataFrame(
        {
            "visit_id": [f"MZ{day_ctx.day:%Y%m%d}{i:07d}" for i in range(1, n + 1)],
            "hospital_id": sites["hospital_id"].to_numpy()[rng.integers(0, len(sites), n)],
            "department": rng.choice(
                DEPARTMENTS, n, p=DEPARTMENT_WEIGHTS / DEPARTMENT_WEIGHTS.sum()
            ),
            "visited_at": (pd.Timestamp(day_ctx.day) + pd.to_timedelta(seconds, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "patient_id_number": id_numbers(rng, regions, births),
            "patient_name": names(rng, n),
            "patient_phone": mobiles(rng, n),
            "patient_community_code": home,
            "diagnosis_group": rng.choice(DIAGNOSES, n),
            "fee_yuan": rng.lognormal(5, 0.8, n).round(2),
        }
    )
    inj = day_ctx.injector("health", "outpatient_visits")
    inj.bad_id_checksum(visits, "patient_id_number")
    inj.invalid_division(visits, "patient_community_code")
    inj.missing(visits, "department")
    inj.out_of_range(visits, "fee_yuan", -100.0)
    visits = inj.duplicates(visits)
    inj.malformed(len(visits), "MZ-损坏的行")
    day_ctx.write(inj, visits, "health/outpatient_visits/{date}.csv", write_csv, encoding="gbk")


def write_bed_occupancy(ctx: GenerationContext, day_ctx: DayContext, sites: pd.DataFrame) -> None:
    rng = day_ctx.rng("health", "beds")
    rows = sites.merge(pd.DataFrame({"department": DEPARTMENTS}), how="cross")
    beds = np.maximum(
        10, (rows["beds_approved"] / len(DEPARTMENTS) * rng.uniform(0.6, 1.4, len(rows)))
    ).astype(int)
    occupied = np.minimum(
        beds, (beds * np.clip(rng.normal(0.85, 0.1, len(rows)), 0.3, 1.05))
    ).astype(int)
    frame = pd.DataFrame(
        {
            "hospital_id": rows["hospital_id"],
            "date": day_ctx.day.isoformat(),
            "department": rows["department"],
            "beds_open": beds,
            "beds_occupied": occupied,
            "admissions": rng.poisson(beds * 0.08),
            "discharges": rng.poisson(beds * 0.08),
        }
    )
    inj = day_ctx.injector("health", "bed_occupancy")
    inj.out_of_range(frame, "beds_occupied", -1)
    day_ctx.write(inj, frame, "health/bed_occupancy/{date}.csv", write_csv, encoding="gbk")


def generate(ctx: GenerationContext) -> None:
    sites = hospitals(ctx)
    write_csv(sites, ctx.out / "health" / "hospitals.csv", encoding="gbk")
    for day_ctx in ctx.days():
        write_outpatient_visits(ctx, day_ctx, sites)
        write_bed_occupancy(ctx, day_ctx, sites)
