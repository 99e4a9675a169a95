"""Synthetic residents: GB 11643 ID numbers, mobile numbers and Chinese names, vectorised."""

from __future__ import annotations

import numpy as np

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = np.array(list("10X98765432"))
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌宇浩然子涵欣怡梓轩雨萱俊"
)
MOBILE_PREFIXES = np.array(
    [
        "130",
        "131",
        "132",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "155",
        "157",
        "158",
        "159",
        "166",
        "176",
        "177",
        "180",
        "181",
        "182",
        "186",
        "187",
        "188",
        "189",
        "199",
    ]
)


def check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return str(CHECK_CHARS[total % 11])


def id_numbers(
    rng: np.random.Generator, regions: np.ndarray, birth_years: np.ndarray
) -> np.ndarray:
    """18-digit resident ID numbers with valid check digits for the given region codes and years."""
    n = len(regions)
    days = rng.integers(0, 365, n)
    births = np.datetime64("1970-01-01") + ((birth_years - 1970) * 365.25).astype(int) + days
    birth_str = np.char.replace(np.datetime_as_string(births.astype("datetime64[D]")), "-", "")
    seq = np.char.zfill(rng.integers(1, 1000, n).astype(str), 3)
    first17 = np.char.add(np.char.add(regions.astype(str), birth_str), seq)
    digits = np.array([list(s) for s in first17], dtype=int) if n else np.zeros((0, 17), int)
    checks = CHECK_CHARS[(digits @ ID_WEIGHTS) % 11] if n else np.array([], dtype=str)
    return np.char.add(first17, checks)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    first = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    second = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(surname, first), second)
