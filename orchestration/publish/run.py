"""Publishing one night: for each open dataset, hold it back if any blocking check in its
lineage failed (or a delivery it is built from did not arrive), otherwise export it to the
audit area, scan it, and promote it as a new release when it passes and has changed."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb

from orchestration import clock
from orchestration.bureaus import Providers
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.landing.store import sha256_of
from orchestration.permissions import make_public, readable_by_others
from orchestration.publish.catalog import write_catalogs
from orchestration.publish.datasets import OpenDataset, open_datasets
from orchestration.publish.releases import (
    Release,
    current,
    new_release_id,
    promote,
    releases,
    switch_view,
)
from orchestration.publish.scan import ScanResult, scan_for_personal_data, scan_small_cells
from orchestration.quality.store import QUALITY_SCHEMA, CheckRecord, save_records, save_timing
from orchestration.settings import Paths
from orchestration.sql import literal, quote

BOM = b"\xef\xbb\xbf"


@dataclass
class PublishOutcome:
    dataset: OpenDataset
    status: str  # published | unchanged | held_back | kept_in_warehouse
    reasons: list[str] = field(default_factory=list)
    release: Release | None = None
    scans: dict[str, ScanResult] = field(default_factory=dict)


def audit_folder(root: Path) -> Path:
    """Where a release is written and scanned before promotion: beside the served folder, on
    the same file system (promotion is a rename), never inside it."""
    return root.parent / f".{root.name}-audit"


def clear_leftover_audits(paths: Paths) -> None:
    """Audits a killed publish left behind: nobody else is publishing (the warehouse's writer
    lock is held), so they are removed, with the old in-folder audits of earlier versions."""
    for root in (paths.open_data, paths.conditional_share):
        for leftover in (audit_folder(root), root / ".audit"):
            shutil.rmtree(leftover, ignore_errors=True)


def destination(paths: Paths, dataset: OpenDataset) -> Path | None:
    """unconditional -> open_data/, conditional -> the access-controlled share, not_open: none."""
    return {"unconditional": paths.open_data, "conditional": paths.conditional_share}.get(
        dataset.openness
    )


def blocking_failures(
    con: duckdb.DuckDBPyConnection, dataset: OpenDataset, day: dt.date
) -> list[str]:
    """Why the dataset may not be published for `day`: failed error-severity checks on
    any asset in its lineage (source suites, anomaly checks, dbt tests, its own build) and
    failed or missing deliveries of the raw datasets it is built from."""
    assets = sorted(dataset.lineage_assets | {dataset.model_asset})
    failed = con.execute(
        f"""select asset, check_name, description from {QUALITY_SCHEMA}.check_results
            where run_date = ? and list_contains(?, asset) and severity = 'error'
              and not passed and source in ('gx', 'dbt', 'anomaly') order by asset, check_name""",
        [day, assets],
    ).fetchall()
    reasons = [f"{asset}: check {name} failed ({why})" for asset, name, why in failed]
    raw = [a.split("/") for a in assets if a.startswith("raw/")]
    deliveries = con.execute(
        f"""select bureau, dataset, status, message from {RAW_SCHEMA}._manifest
            where partition_date = ? and list_contains(?, bureau || '/' || dataset)
            qualify row_number() over (partition by bureau, dataset order by landed_at desc) = 1
            """,
        [day, [f"{b}/{d}" for _, b, d in raw]],
    ).fetchall()
    reasons += [
        f"raw/{b}/{d}: the delivery for {day} {status} ({message})"
        for b, d, status, message in deliveries
        if status in ("failed", "missing")
    ]
    built = con.execute(
        f"""select count(*) from {QUALITY_SCHEMA}.check_results
            where run_date = ? and asset = ? and check_name = 'dbt_build' and passed""",
        [day, dataset.model_asset],
    ).fetchone()[0]
    if not built:
        reasons.append(f"{dataset.model_asset} was not built for {day}")
    return reasons


# A text cell a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_START = "^[=+\\-@\t\r]"


def spreadsheet_safe(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """The query with every text cell that starts like a formula prefixed by an apostrophe, as
    OWASP recommends, so that Excel shows it as text instead of running it. Numbers (a negative
    count is data) and the Parquet files stay exact."""
    described = con.execute(f"describe {query}").fetchall()
    cells = [
        f"CASE WHEN regexp_matches({quote(name)}, {literal(FORMULA_START)}) "
        f"THEN chr(39) || {quote(name)} ELSE {quote(name)} END AS {quote(name)}"
        if sql_type == "VARCHAR"
        else quote(name)
        for name, sql_type, *_ in described
    ]
    return f"select {', '.join(cells)} from ({query})"


def _export(con: duckdb.DuckDBPyConnection, dataset: OpenDataset, folder: Path) -> dict:
    """Writes the audited table as CSV (UTF-8 with BOM, for Excel) and Parquet, rows in a stable
    order so that unchanged data gives byte-identical files."""
    folder.mkdir(parents=True)
    query = f"select * from {dataset.relation} order by all"
    plain = folder / f".{dataset.id}.plain.csv"
    safe = spreadsheet_safe(con, query)
    con.execute(f"copy ({safe}) to {literal(str(plain))} (header, delimiter ',')")
    csv_path = folder / f"{dataset.id}.csv"
    with open(csv_path, "wb") as out, open(plain, "rb") as source:
        out.write(BOM)
        shutil.copyfileobj(source, out)
    plain.unlink()
    parquet_path = folder / f"{dataset.id}.parquet"
    con.execute(f"copy ({query}) to {literal(str(parquet_path))} (format parquet)")
    schema = con.execute(f"describe {dataset.relation}").fetchall()
    names = [r[0] for r in schema]
    info: dict = {
        "rows": con.execute(f"select count(*) from {dataset.relation}").fetchone()[0],
        "schema": [[r[0], r[1]] for r in schema],
        "files": {
            fmt: {"bytes": p.stat().st_size, "sha256": sha256_of(p)}
            for fmt, p in (("csv", csv_path), ("parquet", parquet_path))
        },
    }
    if "date_day" in names:
        start, end = con.execute(
            f"select min(date_day)::varchar, max(date_day)::varchar from {dataset.relation}"
        ).fetchone()
        info["temporal"] = {"startDate": start, "endDate": end}
    city = con.execute(
        "select division_code, division_name from marts.dim_division "
        "where division_level = 'city' limit 1"
    ).fetchone()
    if city:
        info["spatial"] = {"code": city[0], "name": city[1]}
    return info


def _scan(con: duckdb.DuckDBPyConnection, dataset: OpenDataset, folder: Path) -> dict:
    files = [folder / f"{dataset.id}.csv", folder / f"{dataset.id}.parquet"]
    personal = [scan_for_personal_data(con, f) for f in files]
    scans = {
        "pii_scan": ScanResult(
            all(s.passed for s in personal),
            sum(s.findings for s in personal),
            [d for s in personal for d in s.detail],
        )
    }
    if dataset.suppression:
        scans["small_cells"] = scan_small_cells(con, files[0], dataset.suppression)
    return scans


def quality_score(con: duckdb.DuckDBPyConnection, dataset: OpenDataset, day: dt.date) -> float:
    """Share of the day's checks in the dataset's lineage that passed, in percent."""
    score = con.execute(
        f"""select round(100 * avg(passed::integer), 1) from {QUALITY_SCHEMA}.check_results
            where run_date = ? and list_contains(?, asset)""",
        [day, sorted(dataset.lineage_assets | {dataset.model_asset})],
    ).fetchone()[0]
    return float(score) if score is not None else 0.0


def publish_dataset(
    con: duckdb.DuckDBPyConnection, paths: Paths, dataset: OpenDataset, day: dt.date
) -> PublishOutcome:
    root = destination(paths, dataset)
    if root is None:
        return PublishOutcome(dataset, "kept_in_warehouse", ["openness not_open"])
    if dataset.openness == "conditional" and readable_by_others(root):
        return PublishOutcome(
            dataset,
            "held_back",
            [
                f"the conditional share {root} can be read by any user of the machine; "
                "restrict it (chmod o-rwx) or set CITYBASE_CONDITIONAL_SHARE to a private folder"
            ],
        )
    reasons = blocking_failures(con, dataset, day)
    if reasons:
        return PublishOutcome(dataset, "held_back", reasons, current(root, dataset.id))
    now = clock.now()
    audit = audit_folder(root) / f"{dataset.id}-{now:%Y%m%dT%H%M%S}"
    shutil.rmtree(audit, ignore_errors=True)
    try:
        info = _export(con, dataset, audit)
        started = time.perf_counter()
        scans = _scan(con, dataset, audit)
        asset = dataset.asset_key.to_user_string()
        save_timing(con, day, "publish_scans", asset, time.perf_counter() - started)
        failed = [f"{name}: {'; '.join(s.detail)}" for name, s in scans.items() if not s.passed]
        if failed:
            return PublishOutcome(dataset, "held_back", failed, current(root, dataset.id), scans)
        live = current(root, dataset.id)
        if live and live.info["files"]["csv"]["sha256"] == info["files"]["csv"]["sha256"]:
            return PublishOutcome(dataset, "unchanged", [], live, scans)
        kept = releases(root, dataset.id)
        release = promote(
            root,
            dataset.id,
            audit,
            new_release_id(now, info["files"]["csv"]["sha256"]),
            {
                **info,
                "run_date": day.isoformat(),
                "published_at": now.isoformat(),
                "first_issued": kept[0].info["published_at"] if kept else now.isoformat(),
                "quality_score": quality_score(con, dataset, day),
            },
        )
        return PublishOutcome(dataset, "published", [], release, scans)
    finally:
        shutil.rmtree(audit, ignore_errors=True)
        with contextlib.suppress(OSError):  # left when another publish is auditing
            audit.parent.rmdir()


def scan_records(outcomes: list[PublishOutcome]) -> list[CheckRecord]:
    return [
        CheckRecord(
            o.dataset.asset_key.to_user_string(),
            o.dataset.bureau,
            name,
            "publish",
            "error",
            "conformity",  # the published files conform to the privacy and disclosure rules
            scan.passed,
            None,
            scan.findings,
            scan.detail,
            "blocking scan of the files before promotion",
        )
        for o in outcomes
        for name, scan in o.scans.items()
    ]


def save_outcomes(
    con: duckdb.DuckDBPyConnection, day: dt.date, outcomes: list[PublishOutcome]
) -> None:
    """What each dataset's night ended in, for the bureaus' reports (a re-run overwrites)."""
    save_records(con, day, scan_records(outcomes), {"publish"})
    con.execute(
        f"delete from {QUALITY_SCHEMA}.publications "
        "where run_date = ? and list_contains(?, dataset)",
        [day, [o.dataset.id for o in outcomes]],
    )
    now = clock.now()
    con.executemany(
        f"insert into {QUALITY_SCHEMA}.publications values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                day,
                o.dataset.id,
                o.dataset.bureau,
                o.dataset.openness,
                o.status,
                o.release.id if o.release else None,
                json.dumps(o.reasons, ensure_ascii=False),
                now,
            ]
            for o in outcomes
        ],
    )


def publish_all(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    day: dt.date,
    providers: Providers,
    datasets: list[OpenDataset] | None = None,
) -> list[PublishOutcome]:
    chosen = list(datasets or open_datasets())
    clear_leftover_audits(paths)
    outcomes = [publish_dataset(con, paths, d, day) for d in chosen]
    save_outcomes(con, day, outcomes)
    refresh_catalogs(
        paths,
        providers,
        {o.dataset.id: o.release for o in outcomes if o.status == "published" and o.release},
    )
    return outcomes


def refresh_catalogs(
    paths: Paths, providers: Providers, releasing: dict[str, Release] | None = None
) -> None:
    """Serves what is current under each root, with `releasing` (dataset id → release)
    replacing it, and the catalogue describing exactly that, in one switch per root."""
    releasing = releasing or {}
    everything = list(open_datasets())
    for root, title in (
        (paths.open_data, ("城市开放数据", "citybase open data")),
        (paths.conditional_share, ("有条件开放数据", "citybase conditional share")),
    ):
        if root == paths.conditional_share and readable_by_others(root):
            continue
        served = {
            d.id: release
            for d in everything
            if destination(paths, d) == root
            and (release := releasing.get(d.id) or current(root, d.id)) is not None
        }
        listed = [(d, served[d.id]) for d in everything if d.id in served]
        switch_view(
            root, served, partial(write_catalogs, served=listed, title=title, providers=providers)
        )
    make_public(paths.open_data)
