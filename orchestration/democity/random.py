"""Deterministic randomness: every stream is seeded by the run's seed and what it generates.

Seeding each (dataset, day) separately keeps output byte-identical for the same arguments and
independent of the order in which datasets are generated.
"""

from __future__ import annotations

import hashlib

import numpy as np


def rng_for(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))
