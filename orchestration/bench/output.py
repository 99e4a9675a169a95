"""The benchmark's results: bench/results/<date>.json (every run), .md (the medians and the
targets) and .svg (time and memory against scale)."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from statistics import median
from typing import Any

import psutil
from markupsafe import escape

GIB = 1024**3
STAGES = ("startup", "extract", "build", "publish", "report", "total")
LIMIT_PARTS = ("load", "transform", "total")
OBSERVABILITY = ("metric_store", "anomaly_checks")  # quality.timings stages of the metric store


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        **{name: version(name) for name in ("duckdb", "dagster", "dbt-core", "dbt-duckdb")},
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), *args],
            capture_output=True,
            text=True,
        )
    except OSError:  # no git on this machine
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit() -> str:
    """The commit measured, `+dirty` when tracked files had uncommitted changes."""
    head = _git("rev-parse", "--short", "HEAD")
    if head is None:
        return "unknown"
    return head + ("+dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")


def observability_seconds(checks_seconds: dict[str, float]) -> float:
    """The metric store's share of a night: profiling each delivery and its anomaly checks."""
    return sum(checks_seconds.get(stage, 0.0) for stage in OBSERVABILITY)


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medians per scale."""
    rows = []
    for scale in sorted({r["scale"] for r in runs}):
        mine = [r for r in runs if r["scale"] == scale]
        seconds = {s: median(r["seconds"][s] for r in mine) for s in STAGES}
        checks = median(
            sum(t for stage, t in r["checks_seconds"].items() if stage not in OBSERVABILITY)
            for r in mine
        )
        observability = median(observability_seconds(r["checks_seconds"]) for r in mine)
        limit = {part: median(r["limit"][part] for r in mine) for part in LIMIT_PARTS}
        rows.append(
            {
                "scale": scale,
                "runs": len(mine),
                "rows_read": mine[0]["rows_read"],
                "seconds": seconds,
                "checks_seconds": checks,
                "metric_store_seconds": observability,
                "peak_rss_gib": median(r["peak_rss_bytes"]["total"] for r in mine) / GIB,
                "stage_peak_rss_gib": {
                    s: median(r["peak_rss_bytes"][s] for r in mine) / GIB
                    for s in STAGES
                    if s in mine[0]["peak_rss_bytes"]
                },
                "limit_seconds": limit,
                "total_over_limit": seconds["total"] / limit["total"],
                "extract_over_load_limit": seconds["extract"] / limit["load"],
                "build_over_transform_limit": seconds["build"] / limit["transform"],
                "checks_and_reports_share": (checks + seconds["report"]) / seconds["total"],
                "all_succeeded": all(r["success"] for r in mine),
            }
        )
    return rows


def _target(ok: bool | None, text: str) -> str:
    mark = "not measured" if ok is None else ("met" if ok else "**missed**")
    return f"| {text} | {mark} |"


def _each(seconds: list[float]) -> str:
    return ", ".join(f"{n:.1f}" for n in seconds)


def targets(
    summary: list[dict[str, Any]], history: dict[str, Any] | None, absent: dict | None = None
) -> list[str]:
    at = {row["scale"]: row for row in summary}
    tiny, sf1, sf10 = at.get(0.01), at.get(1.0), at.get(10.0)
    return [
        "| target | result |",
        "|---|---|",
        _target(tiny and tiny["seconds"]["total"] <= 15, "SF0.01 night (fixed cost) ≤ 15 s"),
        _target(sf1 and sf1["seconds"]["total"] <= 30, "SF1 night end to end ≤ 30 s"),
        _target(sf10 and sf10["seconds"]["total"] <= 180, "SF10 night ≤ 3 min"),
        _target(sf10 and sf10["peak_rss_gib"] <= 4, "SF10 peak memory ≤ 4 GiB"),
        _target(sf1 and sf1["total_over_limit"] <= 3, "night ÷ honest limit ≤ 3 at SF1"),
        _target(sf10 and sf10["total_over_limit"] <= 1.5, "night ÷ honest limit ≤ 1.5 at SF10"),
        _target(history and history["ratio"] <= 1.1, "night 31 after 30 nights ≤ 1.1 × night 1"),
        _target(
            sf1 and sf1["checks_and_reports_share"] <= 0.25,
            "checks and reports ≤ 25 % of the night at SF1",
        ),
        _target(
            sf10 and sf10["metric_store_seconds"] <= 5,
            "metric store (profiles and anomaly checks) ≤ 5 s of the SF10 night",
        ),
        _target(
            absent and abs(absent["ratio"] - 1) <= 0.1,
            "a night with its REST and SQL sources absent costs the demo's night ± 10 %",
        ),
    ]


def markdown(results: dict[str, Any], summary: list[dict[str, Any]]) -> str:
    m = results["machine"]
    lines = [
        f"# citybase bench, {results['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, Dagster {m['dagster']}, "
        f"dbt-core {m['dbt-core']}, dbt-duckdb {m['dbt-duckdb']}.",
        f"Commit: {results.get('commit', 'unknown')}. "
        f"Command: `{results['command']}`. Medians of {results['config']['repeat']} runs; "
        "seconds of wall time; each night is a fresh `citybase nightly` process.",
        "",
        "| scale | rows read | start-up | extract | build | publish | report | **night** "
        "| rows/s | checks | metric store | peak RSS | limit: load | transform "
        "| night ÷ limit | extract ÷ load | build ÷ transform |",
        "|" + "---|" * 17,
    ]
    for row in summary:
        s = row["seconds"]
        lines.append(
            f"| {row['scale']:g} | {row['rows_read']:,} | {s['startup']:.1f} | "
            f"{s['extract']:.1f} | {s['build']:.1f} | {s['publish']:.1f} | {s['report']:.1f} | "
            f"**{s['total']:.1f}** | {row['rows_read'] / s['total']:,.0f} | "
            f"{row['checks_seconds']:.1f} | {row['metric_store_seconds']:.1f} | "
            f"{row['peak_rss_gib']:.2f} GiB | "
            f"{row['limit_seconds']['load']:.1f} | {row['limit_seconds']['transform']:.1f} | "
            f"{row['total_over_limit']:.1f} | {row['extract_over_load_limit']:.1f} | "
            f"{row['build_over_transform_limit']:.1f} |"
        )
    lines += [
        "",
        "Stages are the night's four Dagster jobs; start-up is the process's import and "
        "definitions load. `checks` is the source suites, dbt tests and publication scans, "
        "timed inside the stages above (dbt tests: their share of the build's wall time, "
        "each moment shared among the nodes running then); `metric store` is the profiling "
        "of every loaded delivery and its anomaly checks against the baselines, timed inside "
        "extract. The honest limit is one "
        "DuckDB process on the same files: every delivery the night loaded, read by DuckDB's "
        "reader as text and mapped with the contracts' SQL (casts, units, codes, pseudonyms; no "
        "rules, no quarantine), then every model's compiled SQL run bare.",
    ]
    lines += ["", "Every night, in seconds (the medians above are of these; none is dropped):", ""]
    for row in summary:
        nights = [r["seconds"]["total"] for r in results["runs"] if r["scale"] == row["scale"]]
        lines.append(f"- scale {row['scale']:g}: {_each(nights)}")
    if results.get("sharing"):
        lines += [
            "",
            "Sharing service (`citybase serve`, its own process; 1,000 datastore_search "
            "requests at concurrency 16 on loopback, state in SQLite):",
            "",
            "| scale | p50 | p95 | p99 | requests/s | errors |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r['scale']:g} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | "
                f"{r['p99_ms']:.0f} ms | {r['requests_per_second']:.0f} | {r['errors']} |"
                for r in results["sharing"]
            ),
        ]
    history = results.get("history")
    if history:
        lines += [
            "",
            f"Incremental at scale {history['scale']:g}: night 1 "
            f"{median(history['first_night_seconds']):.1f} s, night "
            f"{history['history_nights'] + 1} after {history['history_nights']} nights of "
            f"history {median(history['night_after_history_seconds']):.1f} s: "
            f"ratio {history['ratio']:.2f} (night 1: {_each(history['first_night_seconds'])}; "
            f"night after the history: {_each(history['night_after_history_seconds'])}); "
            "the metric store took "
            f"{history['metric_store_seconds']:.1f} s of that night, baselines over "
            "the history included.",
        ]
    absent = results.get("absent_sources")
    if absent:
        lines += [
            "",
            f"Sources absent at scale {absent['scale']:g} (the REST API's port refusing "
            f"connections, the database file missing): {_each(absent['absent_seconds'])} s "
            f"against the demo's night {_each(absent['present_seconds'])} s: "
            f"{absent['ratio']:.2f} ×.",
        ]
    if results.get("spark"):
        lines += ["", _spark_line(results["spark"], summary)]
    return "\n".join([*lines, "", *targets(summary, history, absent), ""])


def _spark_line(spark: dict[str, Any], summary: list[dict[str, Any]]) -> str:
    """The night on local Spark beside DuckDB's at the same scale."""
    where = f"On local Spark at scale {spark['scale']:g} (`CITYBASE_ENGINE=spark`, `local[2]`)"
    if "skipped" in spark:
        return f"{where}: not measured ({spark['skipped']})."
    totals = [n["seconds"]["total"] for n in spark["nights"]]
    builds = [n["seconds"]["build"] for n in spark["nights"]]
    rss = median(n["peak_rss_bytes"]["total"] for n in spark["nights"]) / 2**30
    text = (
        f"{where}: night {median(totals):.1f} s, build {median(builds):.1f} s, peak RSS "
        f"{rss:.2f} GiB (nights: {_each(totals)})"
    )
    duckdb_night = next((row for row in summary if row["scale"] == spark["scale"]), None)
    if duckdb_night:
        s = duckdb_night["seconds"]
        text += (
            f"; DuckDB's night {s['total']:.1f} s, build {s['build']:.1f} s: "
            f"{median(totals) / s['total']:.1f} × the night"
        )
    return (
        text + ". Slower on one machine, as expected: every dbt node is a Spark job planned "
        "in one JVM. The figure shows the way out works, not that it is faster here."
    )


PANEL_WIDTH, PANEL_HEIGHT, PAD = 360, 240, 44


def _panel(x0: int, title: str, scales: list[float], series: list[tuple]) -> str:
    """One line chart against scale (log axis); series are (name, colour, values)."""
    low, high = math.log10(min(scales)), math.log10(max(scales))
    top = max(max(values) for _, _, values in series) * 1.1 or 1
    bottom, right = PANEL_HEIGHT - PAD, x0 + PANEL_WIDTH - PAD

    def x(i: int) -> float:
        return x0 + PAD + (right - x0 - PAD) * (math.log10(scales[i]) - low) / ((high - low) or 1)

    def y(value: float) -> float:
        return bottom - (bottom - PAD) * value / top

    parts = [
        f'<text x="{x0 + PAD}" y="20" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x0 + PAD}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{x0 + PAD}" y1="{PAD}" x2="{x0 + PAD}" y2="{bottom}" stroke="#888"/>',
        f'<text x="{x0 + 4}" y="{PAD + 4}">{top:.3g}</text>',
        f'<text x="{x0 + 4}" y="{bottom}">0</text>',
    ]
    parts += [
        f'<text x="{x(i):.1f}" y="{bottom + 16}" text-anchor="middle">SF{s:g}</text>'
        for i, s in enumerate(scales)
    ]
    for n, (name, colour, values) in enumerate(series):
        points = [(x(i), y(v)) for i, v in enumerate(values)]
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
        ]
        legend_y = PAD + 16 * (n + 1)
        parts.append(
            f'<text x="{x0 + PAD + 8}" y="{legend_y}" fill="{colour}">{escape(name)}</text>'
        )
    return "".join(parts)


def chart(summary: list[dict[str, Any]]) -> str:
    """A night's seconds (citybase and the limit) and its peak memory, against scale."""
    scales = [row["scale"] for row in summary]
    seconds = _panel(
        0,
        "Seconds per night",
        scales,
        [
            ("citybase night", "#0969da", [r["seconds"]["total"] for r in summary]),
            ("honest limit", "#8250df", [r["limit_seconds"]["total"] for r in summary]),
        ],
    )
    memory = _panel(
        PANEL_WIDTH,
        "Peak memory (GiB)",
        scales,
        [("citybase night", "#cf222e", [r["peak_rss_gib"] for r in summary])],
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {2 * PANEL_WIDTH} {PANEL_HEIGHT}" '
        f'width="{2 * PANEL_WIDTH}" height="{PANEL_HEIGHT}" font-family="sans-serif" '
        f'font-size="12"><rect width="100%" height="100%" fill="white"/>{seconds}{memory}</svg>\n'
    )


def write_outputs(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(results["runs"])
    results["summary"] = summary
    stem = out / results["date"]
    paths = [stem.with_suffix(".json"), stem.with_suffix(".md"), stem.with_suffix(".svg")]
    paths[0].write_text(json.dumps(results, indent=2) + "\n")
    paths[1].write_text(markdown(results, summary))
    if summary:
        paths[2].write_text(chart(summary))
    return [p for p in paths if p.exists()]
