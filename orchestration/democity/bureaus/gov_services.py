"""政务服务管理局: service items, applications and 好差评 ratings in a SQLite database."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.geography import pick_communities
from orchestration.democity.people import id_numbers, mobiles, names
from orchestration.democity.random import rng_for
from orchestration.holidays import is_working

DEPARTMENTS = [
    "公安局",
    "市场监管局",
    "人社局",
    "民政局",
    "住建局",
    "税务局",
    "卫健委",
    "交通运输局",
]
ITEMS = ["登记", "备案", "许可", "变更", "注销", "证明开具", "补贴申领", "资格认定"]
CHANNELS = np.array(["online", "window", "mobile_app", "self_service"])
RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SCHEMA = """
create table service_items (item_code text primary key, item_name text, department text,
  statutory_limit_days integer, promised_limit_days integer, online_available integer);
create table applications (id integer primary key, application_id text, item_code text,
  applicant_id_number text, applicant_name text, applicant_phone text, channel text,
  community_code text, submitted_at text, accepted_at text, completed_at text, status text);
create table ratings (id integer primary key, application_id text, rating integer,
  rating_level text, rated_at text);
"""


def service_items(ctx: GenerationContext) -> pd.DataFrame:
    rng = rng_for(ctx.seed, "gov_services", "items")
    rows = []
    for d, department in enumerate(DEPARTMENTS):
        for i, item in enumerate(ITEMS[: int(rng.integers(4, len(ITEMS) + 1))]):
            statutory = int(rng.choice([5, 10, 15, 20, 30]))
            rows.append(
                (
                    f"{d + 1:02d}{i + 1:03d}",
                    f"{department[:-1]}{item}",
                    department,
                    statutory,
                    max(1, statutory // 2),
                    int(rng.random() < 0.8),
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "item_code",
            "item_name",
            "department",
            "statutory_limit_days",
            "promised_limit_days",
            "online_available",
        ],
    )


def _workdays(ctx: GenerationContext) -> np.ndarray:
    horizon = [ctx.start + dt.timedelta(days=i) for i in range(ctx.n_days + 120)]
    return np.array([d for d in horizon if is_working(d)], dtype="datetime64[D]")


def applications(
    ctx: GenerationContext,
    day_ctx: DayContext,
    items: pd.DataFrame,
    workdays: np.ndarray,
    first_id: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = day_ctx.rng("gov_services", "applications")
    n = int(20_000 * ctx.scale * (1.0 if is_working(day_ctx.day) else 0.15))
    item = items.iloc[rng.integers(0, len(items), n)].reset_index(drop=True)
    channel = np.where(
        item["online_available"].to_numpy() == 1,
        rng.choice(CHANNELS, n, p=[0.5, 0.25, 0.2, 0.05]),
        "window",
    )
    seconds = np.sort(rng.integers(8 * 3600, 18 * 3600, n))
    submitted = pd.Timestamp(day_ctx.day) + pd.to_timedelta(seconds, unit="s")
    accepted = submitted + pd.to_timedelta(rng.integers(60, 7200, n), unit="s")
    limit = item["statutory_limit_days"].to_numpy()
    used = np.floor(limit * rng.beta(2, 4, n) * 1.35).astype(int)
    first = np.searchsorted(workdays, np.datetime64(day_ctx.day))
    done_day = workdays[np.minimum(first + used, len(workdays) - 1)]
    completed = pd.to_datetime(done_day) + pd.to_timedelta(
        rng.integers(9 * 3600, 17 * 3600, n), unit="s"
    )
    completed = completed.where(completed > accepted, accepted + pd.Timedelta(hours=1))
    regions = pick_communities(rng, ctx.city, n)
    fmt = "%Y-%m-%d %H:%M:%S"
    apps = pd.DataFrame(
        {
            "id": np.arange(first_id, first_id + n),
            "application_id": [f"ZW{day_ctx.day:%Y%m%d}{i:06d}" for i in range(1, n + 1)],
            "item_code": item["item_code"],
            "applicant_id_number": id_numbers(
                rng, regions.astype("U6"), rng.integers(1950, 2006, n)
            ),
            "applicant_name": names(rng, n),
            "applicant_phone": mobiles(rng, n),
            "channel": channel,
            "community_code": regions,
            "submitted_at": submitted.strftime(fmt),
            "accepted_at": accepted.strftime(fmt),
            "completed_at": completed.strftime(fmt),
            "status": "completed",
        }
    )
    rated = rng.random(n) < 0.6
    scores = rng.choice([5, 4, 3, 2, 1], n, p=[0.62, 0.25, 0.08, 0.03, 0.02])[rated]
    ratings = pd.DataFrame(
        {
            "application_id": apps["application_id"][rated].to_numpy(),
            "rating": scores,
            "rating_level": [RATING_LEVELS[s] for s in scores],
            "rated_at": (completed[rated] + pd.Timedelta(hours=2)).strftime(fmt),
        }
    )
    inj = day_ctx.injector("gov_services", "applications")
    inj.bad_id_checksum(apps, "applicant_id_number")
    inj.missing(apps, "channel")
    inj.invalid_division(apps, "community_code")
    swap = inj._pick(n)
    apps.loc[swap, "completed_at"] = (submitted[swap] - pd.Timedelta(hours=3)).strftime(fmt)
    inj._record(
        swap, "completed_before_submitted", "completed_at", "completed 3 h before submission"
    )
    apps = inj.duplicates(apps)
    apps["id"] = np.arange(first_id, first_id + len(apps))
    day_ctx.run.ground_truth.extend(
        inj.ground_truth("gov_services/gov_services.sqlite#applications", header_lines=0)
    )
    return apps, ratings


def generate(ctx: GenerationContext) -> None:
    path = ctx.out / "gov_services" / "gov_services.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    items = service_items(ctx)
    workdays = _workdays(ctx)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        items.to_sql("service_items", db, if_exists="append", index=False)
        next_id = 1
        for day_ctx in ctx.days():
            apps, ratings = applications(ctx, day_ctx, items, workdays, next_id)
            next_id += len(apps)
            apps.to_sql("applications", db, if_exists="append", index=False)
            ratings.to_sql("ratings", db, if_exists="append", index=False)
    db.close()
