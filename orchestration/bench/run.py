"""The benchmark: real nights, each a fresh `citybase nightly` process on a generated city.

Per scale: the demo city for one day; `repeat` nights in fresh homes, each followed by the
limit on the same raw data. Incremental: `history` nights at `history_scale`, then the next
night `repeat` times from a copy of the home, against the first night `repeat` times.
Medians are quoted; every run is kept in the JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from orchestration import clock
from orchestration.bench.limit import run_limit
from orchestration.bench.output import commit, machine, observability_seconds, write_outputs
from orchestration.bench.sharing import measure_sharing
from orchestration.democity import generate
from orchestration.memory import PeakRss
from orchestration.privacy import use_demo_key_unless_configured
from orchestration.settings import Paths
from orchestration.warehouse import connect

JOB_STAGES = {
    "nightly_extract": "extract",
    "nightly_build": "build",
    "nightly_publish": "publish",
    "nightly_report": "report",
}


@dataclass(frozen=True)
class BenchConfig:
    scales: list[float]
    repeat: int
    history: int
    history_scale: float
    spark_scale: float  # 0: no night on Spark
    start: dt.date
    seed: int
    workdir: Path
    out: Path


def _city(config: BenchConfig, scale: float, days: int) -> Path:
    """The demo city for (scale, days), generated once and reused across runs."""
    folder = config.workdir / f"city-sf{scale:g}-{days}d"
    if not (folder / "democity.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"bench: generating the demo city at scale {scale:g} for {days} day(s)", flush=True)
        generate(folder, scale, days, config.start, config.seed)
    return folder


def _fresh_home(folder: Path, city: Path) -> Paths:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    home = Paths(folder)
    home.democity.symlink_to(city, target_is_directory=True)
    return home


def _night_facts(home: Paths, day: dt.date) -> dict[str, Any]:
    with connect(home.warehouse, read_only=True) as con:
        rows_read = con.execute(
            "select coalesce(sum(rows_read), 0) from raw._manifest "
            "where partition_date = ? and status = 'loaded'",
            [day],
        ).fetchone()[0]
        checks = dict(
            con.execute(
                "select stage, sum(seconds) from quality.timings where run_date = ? group by all",
                [day],
            ).fetchall()
        )
    return {"rows_read": int(rows_read), "checks_seconds": checks}


def run_night(home: Paths, day: dt.date, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One night as the schedule would run it: a fresh process, all four jobs."""
    timings = home.home / f"timings-{day}.json"
    command = [
        str(Path(sys.executable).with_name("citybase")),
        "nightly",
        "--date",
        day.isoformat(),
        "--log-level",
        "ERROR",
        "--timings",
        str(timings),
    ]
    env = {
        **os.environ,
        "CITYBASE_HOME": str(home.home),
        "DAGSTER_HOME": str(home.home / "dagster"),
        **(env or {}),
    }
    started = time.perf_counter()
    with PeakRss() as peak:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    total = time.perf_counter() - started
    if not timings.is_file():
        raise RuntimeError(f"the night of {day} did not finish:\n{done.stderr[-3000:]}")
    night = json.loads(timings.read_text())
    seconds = {JOB_STAGES[job]: s for job, s in night["seconds"].items()}
    seconds["startup"] = total - sum(seconds.values())
    seconds["total"] = total
    memory = {JOB_STAGES[job]: b for job, b in night["peak_rss"].items()}
    memory["total"] = peak.bytes
    return {
        "day": day.isoformat(),
        "success": night["success"],
        "seconds": seconds,
        "peak_rss_bytes": memory,
        **_night_facts(home, day),
    }


def measure_scale(config: BenchConfig, scale: float) -> tuple[list[dict[str, Any]], dict]:
    """The scale's nights and limits, and the sharing service's latency over the last night."""
    city = _city(config, scale, 1)
    runs = []
    for repeat in range(config.repeat):
        home = _fresh_home(config.workdir / f"sf{scale:g}-run", city)
        run = run_night(home, config.start)
        started = time.perf_counter()
        run["limit"] = run_limit(home, config.workdir / f"sf{scale:g}-limit", config.start)
        print(
            f"bench: scale {scale:g} run {repeat + 1}: night {run['seconds']['total']:.1f} s, "
            f"limit {run['limit']['total']:.1f} s (load {run['limit']['load']:.1f} s, "
            f"transform {run['limit']['transform']:.1f} s; "
            f"{time.perf_counter() - started:.0f} s with its set-up)",
            flush=True,
        )
        runs.append({"scale": scale, "repeat": repeat + 1, **run})
    sharing = {"scale": scale, **measure_sharing(home)}
    print(
        f"bench: scale {scale:g} sharing: p50 {sharing['p50_ms']:.0f} ms, "
        f"p95 {sharing['p95_ms']:.0f} ms, {sharing['errors']} errors",
        flush=True,
    )
    return runs, sharing


def measure_history(config: BenchConfig) -> dict[str, Any]:
    """Night 1 on an empty warehouse against night N+1 after N nights of history."""
    scale, nights = config.history_scale, config.history + 1
    city = _city(config, scale, nights)
    days = [config.start + dt.timedelta(days=i) for i in range(nights)]
    first = []
    for _ in range(config.repeat):
        home = _fresh_home(config.workdir / "history-first", city)
        first.append(run_night(home, days[0])["seconds"]["total"])
    home = _fresh_home(config.workdir / "history", city)
    for day in days[:-1]:
        run_night(home, day)
    print(f"bench: {config.history} nights of history built at scale {scale:g}", flush=True)
    later, observability = [], []
    for _ in range(config.repeat):
        trial = config.workdir / "history-trial"
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(home.home, trial, symlinks=True)
        night = run_night(Paths(trial), days[-1])
        later.append(night["seconds"]["total"])
        observability.append(observability_seconds(night["checks_seconds"]))
    return {
        "scale": scale,
        "history_nights": config.history,
        "first_night_seconds": first,
        "night_after_history_seconds": later,
        "ratio": median(later) / median(first),
        "metric_store_seconds": median(observability),
    }


def measure_absent_sources(config: BenchConfig) -> dict[str, Any]:
    """The demo's night against the same night with its REST API and database absent (a port
    that refuses connections, a database file that is not there), in turns: the absent night
    must not wait on the retries meant for a flaky network."""
    scale = config.history_scale
    city = _city(config, scale, 1)
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    absent = {
        "CITYBASE_TOURISM_API_URL": f"http://127.0.0.1:{port}",
        "CITYBASE_GOV_SERVICES_DB_URL": f"sqlite:///{config.workdir / 'absent.sqlite'}",
    }
    present, without = [], []
    for _ in range(config.repeat):
        home = _fresh_home(config.workdir / "absent-run", city)
        present.append(run_night(home, config.start)["seconds"]["total"])
        home = _fresh_home(config.workdir / "absent-run", city)
        without.append(run_night(home, config.start, absent)["seconds"]["total"])
    ratio = median(without) / median(present)
    print(f"bench: sources absent at scale {scale:g}: {ratio:.2f} × the demo's night", flush=True)
    return {"scale": scale, "present_seconds": present, "absent_seconds": without, "ratio": ratio}


def measure_spark(config: BenchConfig) -> dict[str, Any]:
    """The night at `spark_scale` with its build on a local Spark session (CITYBASE_ENGINE=spark),
    each run in a fresh home as DuckDB's nights are; skipped, with the reason, without Java."""
    scale = config.spark_scale
    if shutil.which("java") is None:
        print("bench: no night on Spark: Java is missing (apt install openjdk-17-jre-headless)")
        return {"scale": scale, "skipped": "Java is missing"}
    city = _city(config, scale, 1)
    nights = []
    for repeat in range(config.repeat):
        home = _fresh_home(config.workdir / f"sf{scale:g}-spark", city)
        night = run_night(home, config.start, {"CITYBASE_ENGINE": "spark"})
        nights.append(night)
        seconds = night["seconds"]
        print(
            f"bench: scale {scale:g} on Spark, run {repeat + 1}: night "
            f"{seconds['total']:.1f} s (build {seconds['build']:.1f} s)",
            flush=True,
        )
    return {"scale": scale, "nights": nights}


def run_bench(config: BenchConfig) -> list[Path]:
    """Runs every measurement; the results files are rewritten after each scale, so that a long
    run interrupted late still leaves what it measured."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    use_demo_key_unless_configured()  # the limit pseudonymises as the nights do
    results: dict[str, Any] = {
        "date": clock.today().isoformat(),
        "command": "citybase " + " ".join(sys.argv[1:]) if sys.argv[1:] else "citybase bench",
        "commit": commit(),
        "machine": machine(),
        "config": {
            "scales": config.scales,
            "repeat": config.repeat,
            "history": config.history,
            "history_scale": config.history_scale,
            "spark_scale": config.spark_scale,
            "day": config.start.isoformat(),
            "seed": config.seed,
        },
        "runs": [],
        "sharing": [],
        "history": None,
        "absent_sources": None,
        "spark": None,
    }
    for scale in config.scales:
        runs, sharing = measure_scale(config, scale)
        results["runs"] += runs
        results["sharing"].append(sharing)
        write_outputs(results, config.out)
    if config.history > 0:
        results["history"] = measure_history(config)
        write_outputs(results, config.out)
    results["absent_sources"] = measure_absent_sources(config)
    if config.spark_scale > 0:
        write_outputs(results, config.out)
        results["spark"] = measure_spark(config)
    return write_outputs(results, config.out)
