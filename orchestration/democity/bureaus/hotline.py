"""12345 市民服务热线: work orders as JSON lines, with the caller's phone and name."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.democity.context import DayContext, GenerationContext
from orchestration.democity.geography import pick_communities
from orchestration.democity.people import mobiles, names
from orchestration.democity.writers import write_jsonl
from orchestration.holidays import is_working

CATEGORIES = {
    "城市管理": ["占道经营", "违章搭建", "垃圾清运"],
    "交通出行": ["公交服务", "道路拥堵", "停车管理"],
    "环境保护": ["噪声扰民", "油烟污染", "污水排放"],
    "住房保障": ["物业服务", "房屋维修", "租赁纠纷"],
    "劳动社保": ["欠薪", "社保缴纳", "就业服务"],
    "医疗卫生": ["医院服务", "医保报销", "疫苗接种"],
    "市场监管": ["食品安全", "价格投诉", "消费维权"],
    "教育": ["入学咨询", "校外培训", "校园安全"],
}
CHANNELS = ["phone", "web", "app", "wechat"]
PROFILE = np.array(
    [1, 1, 0, 0, 0, 1, 2, 5, 9, 11, 11, 9, 6, 8, 10, 10, 9, 7, 6, 6, 5, 4, 3, 2], float
)


def write_work_orders(ctx: GenerationContext, day_ctx: DayContext) -> None:
    rng = day_ctx.rng("hotline", "orders")
    n = int(5_000 * ctx.scale * (1.0 if is_working(day_ctx.day) else 0.8))
    categories = np.array(list(CATEGORIES))
    category = categories[rng.integers(0, len(categories), n)]
    subcategory = [CATEGORIES[c][i] for c, i in zip(category, rng.integers(0, 3, n), strict=True)]
    seconds = np.sort(
        rng.choice(24, n, p=PROFILE / PROFILE.sum()) * 3600 + rng.integers(0, 3600, n)
    )
    received = pd.Timestamp(day_ctx.day) + pd.to_timedelta(seconds, unit="s")
    responded = received + pd.to_timedelta(rng.gamma(2, 40, n).astype(int) + 5, unit="m")
    closed = responded + pd.to_timedelta(rng.gamma(1.5, 30, n).astype(int) + 1, unit="h")
    fmt = "%Y-%m-%d %H:%M:%S"
    satisfaction = rng.choice(["满意", "基本满意", "不满意", ""], n, p=[0.6, 0.2, 0.1, 0.1])
    orders = pd.DataFrame(
        {
            "order_id": [f"RX{day_ctx.day:%Y%m%d}{i:06d}" for i in range(1, n + 1)],
            "received_at": received.strftime(fmt),
            "channel": rng.choice(CHANNELS, n),
            "category": category,
            "subcategory": subcategory,
            "community_code": pick_communities(rng, ctx.city, n),
            "caller_phone": mobiles(rng, n),
            "caller_name": names(rng, n),
            "content": [f"市民反映{s}问题，请尽快处理。" for s in subcategory],
            "responded_at": responded.strftime(fmt),
            "closed_at": closed.strftime(fmt),
            "status": "closed",
            "satisfaction": satisfaction,
        }
    )
    orders["satisfaction"] = orders["satisfaction"].replace("", None)
    inj = day_ctx.injector("hotline", "work_orders")
    inj.missing(orders, "category")
    inj.invalid_division(orders, "community_code")
    inj.late(orders, "received_at")
    orders = inj.duplicates(orders)
    inj.malformed(len(orders), '{"order_id": "RX-broken", "received_at": ')
    day_ctx.write(inj, orders, "hotline/work_orders/{date}.jsonl", write_jsonl, header_lines=0)


def generate(ctx: GenerationContext) -> None:
    for day_ctx in ctx.days():
        write_work_orders(ctx, day_ctx)
