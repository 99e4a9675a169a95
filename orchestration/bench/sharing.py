"""The sharing service's latency: `citybase serve` in its own process over a night's published
data, 1,000 datastore_search requests at concurrency 16 on loopback, p50/p95/p99 reported.

httpx is a dev dependency (as the tests use it); the benchmark runs from the dev install."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import quantiles
from typing import Any

from orchestration.settings import Paths
from orchestration.sharing.service import free_port

REQUESTS, CONCURRENCY = 1000, 16
DATASET = "route-boardings-daily"


def measure_sharing(home: Paths) -> dict[str, Any]:
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "CITYBASE_HOME": str(home.home),
        "CITYBASE_SERVE_PORT": str(port),
        "CITYBASE_SHARING_RATE_PER_MINUTE": str(REQUESTS * 100),
        "CITYBASE_SHARING_DB": f"sqlite:///{home.home / 'bench-sharing.sqlite'}",
    }
    command = [str(Path(sys.executable).with_name("citybase")), "serve"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY)
        with httpx.Client(base_url=url, timeout=60, limits=limits) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/api/3/action/package_list")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("citybase serve did not start") from None
                    time.sleep(0.2)

            def one(i: int) -> tuple[float, int]:
                started = time.perf_counter()
                answer = client.get(
                    "/api/3/action/datastore_search",
                    params={"resource_id": DATASET, "limit": 10, "offset": i % 50},
                )
                return time.perf_counter() - started, answer.status_code

            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
                answers = list(pool.map(one, range(REQUESTS)))
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    latencies = sorted(seconds for seconds, _ in answers)
    cuts = quantiles(latencies, n=100)
    return {
        "requests": REQUESTS,
        "concurrency": CONCURRENCY,
        "errors": sum(status != 200 for _, status in answers),
        "seconds": wall,
        "requests_per_second": REQUESTS / wall,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
    }
