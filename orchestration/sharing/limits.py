"""Per-caller rate limits (a token bucket per API key, or per address for anonymous callers):
APEX-style throttling that answers 429 with Retry-After instead of slowing everyone down."""

from __future__ import annotations

import math
import threading
import time

from orchestration.sharing.errors import TooManyRequests


class RateLimiter:
    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0  # tokens per second
        self.capacity = float(max(1, per_minute // 6))  # a burst of ten seconds' worth
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> None:
        """Spends one token of the caller's bucket, or refuses with when to come back."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(caller, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[caller] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise TooManyRequests(f"rate limit: {self.rate * 60:.0f} requests a minute", wait)
            self._buckets[caller] = (tokens - 1, now)
