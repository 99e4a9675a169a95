"""The reports and the portal page as self-contained HTML (inline CSS and SVG; the portal's
search is a few lines of inline script): they open from disk with no network."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestration.reports import charts

TEMPLATES = Path(__file__).parent / "templates"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _change(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}"


def _city_time(moment: str) -> str:
    """A stored city time (naive, see orchestration.clock) as bureaus read it."""
    return f"{moment.replace('T', ' ')} 北京时间 (Asia/Shanghai)"


STATUSES = {  # how outcomes of the manifest and the publication read in a report
    "loaded": "已入库",
    "skipped_duplicate": "重复交付，已跳过",
    "missing": "未交付",
    "not received": "未收到",
    "failed": "读取失败",
    "published": "已发布",
    "unchanged": "未变化",
    "held_back": "暂缓发布",
    "kept_in_warehouse": "仅存仓库",
    "error": "错误",
    "warn": "警告",
}


def _status(value: str | None) -> str:
    return "—" if value is None else f"{STATUSES.get(value, value)} {value}"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def dimension_bars(report: dict[str, Any]) -> list[tuple[str, float | None]]:
    return [
        (f"{d['zh']} {d['en']}", report["scores"].get(key))
        for key, d in report["dimensions"].items()
    ]


def trend_points(report: dict[str, Any], dimension: str) -> list[tuple[str, float | None]]:
    return [(night["date"], night.get(dimension)) for night in report["trend"]]


def ranking_bars(city: dict[str, Any]) -> list[tuple[str, float | None]]:
    return [(b["name"]["zh"], b["scores"].get("overall")) for b in city["bureaus"]]


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        tone=charts.tone,
        score=_score,
        count=_count,
        change=_change,
        city_time=_city_time,
        status=_status,
        basename=lambda p: Path(p).name,
    )
    env.globals.update(
        bars=charts.bars,
        trend=charts.trend,
        history=charts.history,
        dimension_bars=dimension_bars,
        trend_points=trend_points,
        ranking_bars=ranking_bars,
    )
    return env


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text, encoding="utf-8")
    staged.replace(path)  # a reader never sees half a report
    return path


def write_report(folder: Path, name: str, template: str, content: dict[str, Any]) -> Path:
    """Writes <folder>/<name>.json and .html; returns the HTML path."""
    _write(folder / f"{name}.json", json.dumps(content, ensure_ascii=False, indent=2, default=str))
    page = environment().get_template(template).render(r=content)
    return _write(folder / f"{name}.html", page)


def portal_content(
    entries: list[dict[str, Any]], package: dict, title: str, generated_at: str
) -> dict[str, Any]:
    """The portal page's content: one entry per served dataset (see publish.catalog), with its
    schema from the data package and the text the page's search box matches."""
    fields = {r["name"]: r.get("schema", {}).get("fields", []) for r in package["resources"]}
    datasets = []
    for entry in entries:
        text = " ".join(
            [
                entry["id"],
                *entry["title"].values(),
                *entry["description"].values(),
                *entry["publisher"].values(),
                *entry["keywords"],
                entry["theme"],
            ]
        )
        datasets.append(
            {
                **entry,
                "downloads": [
                    {"format": d["format"], "url": d["url"], "size": _size(d["bytes"])}
                    for d in entry["downloads"]
                ],
                "fields": fields.get(entry["id"], []),
                "search_text": text.lower(),
            }
        )
    return {"title": title, "generated_at": generated_at, "datasets": datasets}


def write_portal(root: Path, entries: list[dict[str, Any]], title: str, generated_at: str) -> Path:
    """open_data/index.html for the served datasets, with the data package beside it."""
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    page = (
        environment()
        .get_template("portal.html.j2")
        .render(p=portal_content(entries, package, title, generated_at))
    )
    return _write(root / "index.html", page)
