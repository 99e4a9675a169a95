"""The `citybase` command: the demo city, the nightly job headless, the demo end to end."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import clock
from orchestration.night import demo_services, prepare_environment, run_nightly
from orchestration.settings import DEMO_CITY, PROJECT_ROOT, Paths, paths
from orchestration.sharing.commands import add_commands as add_sharing_commands

if TYPE_CHECKING:
    from orchestration.progress import NightView


def _log_level(args: argparse.Namespace) -> str:
    """Dagster's console log: silent by default (the night's view says what happened), INFO
    with -v (every event and dbt's node log), or what --log-level names."""
    return args.log_level or ("INFO" if args.verbose else "CRITICAL")


def _view(args: argparse.Namespace, steps: bool = True) -> NightView | None:
    """The night's progress on the terminal, unless -v asked for Dagster's own log instead."""
    from orchestration.progress import NightView

    return None if args.verbose else NightView(steps=steps)


def _night_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-v", "--verbose", action="store_true", help="Dagster's and dbt's full log, no summary"
    )
    p.add_argument("--log-level", help="Dagster's console log level (DEBUG … CRITICAL)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-10-01") from None


def reconciliation_lines(where: Paths) -> list[str]:
    from orchestration import warehouse

    with warehouse.connect(where.warehouse, read_only=True) as con:
        rows = con.execute("""
            select bureau, count(*) as files, sum(rows_read), sum(rows_loaded),
                   sum(rows_quarantined), bool_and(rows_read = rows_loaded + rows_quarantined)
            from raw._manifest where status = 'loaded'
            group by bureau order by bureau""").fetchall()
    lines = [f"{'bureau':<15}{'files':>7}{'read':>12}{'loaded':>12}{'quarantined':>13}  reconciled"]
    lines += [
        f"{b:<15}{f:>7}{r:>12}{lo:>12}{q:>13}  {'yes' if ok else 'NO'}"
        for b, f, r, lo, q, ok in rows
    ]
    return lines


def cmd_democity(args: argparse.Namespace) -> int:
    from orchestration.democity import generate

    out = Path(args.out) if args.out else paths().democity
    generate(out, args.scale, args.days, args.start, args.seed, args.defect_rate)
    print(f"Demo city written to {out} (ground truth: {out / '_ground_truth' / 'defects.csv'})")
    return 0


def cmd_nightly(args: argparse.Namespace) -> int:
    day = args.date or clock.last_night()
    night = run_nightly(day, paths(), log_level=_log_level(args), view=_view(args))
    if args.timings:
        Path(args.timings).write_text(json.dumps(asdict(night), indent=2))
    return 0 if night else 1


def cmd_backfill(args: argparse.Namespace) -> int:
    """Builds every day of a range, oldest first, each day's four jobs in turn. A day already
    built with the same deliveries changes nothing: deliveries already landed are skipped,
    dbt rebuilds the same rows, unchanged open data is not re-released."""
    if args.to < args.start:
        print(f"--to {args.to} is before --from {args.start}", file=sys.stderr)
        return 2
    backfill = f"{args.start}..{args.to}@{clock.now():%Y%m%dT%H%M%S}"
    days = [args.start + dt.timedelta(days=n) for n in range((args.to - args.start).days + 1)]
    tags, failed, view = {"citybase/backfill": backfill}, [], _view(args)
    for day in days:
        print(f"Backfill {backfill}: {day} …")
        if not run_nightly(day, paths(), log_level=_log_level(args), tags=tags, view=view):
            failed.append(day.isoformat())
    print(f"Backfill {backfill}: {len(days) - len(failed)} of {len(days)} day(s) built cleanly")
    if failed:
        print(f"Days with a failed step: {', '.join(failed)} (see above)", file=sys.stderr)
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    where = paths()
    from orchestration.democity import generate
    from orchestration.publish.private import lake
    from orchestration.snapshot import analyst_path

    print(f"Generating the demo city: scale {args.scale}, {args.days} day(s) from {args.start}")
    generate(where.democity, args.scale, args.days, args.start, args.seed, args.defect_rate)
    ok, view = True, _view(args, steps=False)
    for offset in range(args.days):
        day = args.start + dt.timedelta(days=offset)
        print(f"Nightly build of {day} …")
        ok = bool(run_nightly(day, where, log_level=_log_level(args), view=view)) and ok
    last = (args.start + dt.timedelta(days=args.days - 1)).isoformat()
    places = [
        ("Warehouse", where.warehouse),
        ("Analysts", analyst_path(where.home)),
        ("Landing", where.landing),
        ("Raw lake", where.raw_lake),  # raw rows as Parquet, what a second engine reads
        ("Open data", where.open_data),
        ("Private", lake(where.home)),  # person-level, for differentially private questions
        ("Portal", where.open_data / "index.html"),
        ("Reports", where.reports),
        ("City report", where.reports / "city" / f"{last}.html"),
        ("Demo city", where.democity),
    ]
    shown = [f"{name:<12}{path}" for name, path in places if path.exists()]
    print(
        "\n".join(
            [
                "",
                *reconciliation_lines(where),
                "",
                *publication_lines(where),
                "",
                *shown,
                "Marts       schema marts of the warehouse (docs/analysts.md)",
                "dbt docs    make docs, then http://127.0.0.1:8080",
                "Dagster UI  make dev, then http://127.0.0.1:3000",
                "Sharing     .venv/bin/citybase serve, then http://127.0.0.1:8500 "
                "(docs/sharing.md)",
            ]
        )
    )
    return 0 if ok else 1


def cmd_dev(args: argparse.Namespace) -> int:
    """`dagster dev` with the demo API running beside it, so UI runs can reach it."""
    import subprocess

    where = paths()
    prepare_environment(where)
    context = demo_services(where) if args.with_demo_api else nullcontext()
    with context:
        dagster = Path(sys.executable).with_name("dagster")
        return subprocess.call(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(args.port)],
            env={
                **os.environ,
                "CITYBASE_HOME": str(where.home),
                "DAGSTER_HOME": str(where.dagster_home),
            },
        )


def publication_lines(where: Paths) -> list[str]:
    """What the public sees after a night: each dataset's live release and quality score."""
    from orchestration.publish.datasets import open_datasets
    from orchestration.publish.releases import current
    from orchestration.publish.run import destination

    lines = [f"{'open dataset':<34}{'openness':<15}{'release':<28}quality"]
    for d in open_datasets():
        root = destination(where, d)
        live = current(root, d.id) if root else None
        release = live.id if live else ("(warehouse only)" if root is None else "(none)")
        score = live.info.get("quality_score", "") if live else ""
        lines.append(f"{d.id:<34}{d.openness:<15}{release:<28}{score}")
    return lines


def cmd_publish(args: argparse.Namespace) -> int:
    """Publishes the day (outside Dagster), or rolls one dataset back to its previous release."""
    from orchestration import warehouse
    from orchestration.bureaus import providers
    from orchestration.contracts import load_contracts
    from orchestration.publish.datasets import dataset
    from orchestration.publish.releases import release_before_current
    from orchestration.publish.run import destination, publish_all, refresh_catalogs

    where = paths()
    publishers = providers(load_contracts())
    if args.rollback:
        chosen = dataset(args.rollback)
        root = destination(where, chosen)
        if root is None:
            print(f"{chosen.id} is not_open: it is never published", file=sys.stderr)
            return 1
        try:
            left, restored = release_before_current(root, chosen.id)
        except LookupError as exc:
            print(exc, file=sys.stderr)
            return 1
        refresh_catalogs(where, publishers, {chosen.id: restored})
        print(f"{chosen.id}: rolled back from release {left.id} to {restored.id}")
        return 0
    day = args.date or clock.last_night()
    with warehouse.connect(where.warehouse) as con:
        outcomes = publish_all(con, where, day, publishers)
    for o in outcomes:
        why = f": {' | '.join(o.reasons)}" if o.reasons else ""
        print(f"{o.dataset.id}: {o.status}{why}")
    return 1 if any(o.status == "held_back" for o in outcomes) else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from orchestration.bench.run import BenchConfig, run_bench

    config = BenchConfig(
        scales=[float(s) for s in args.scales.split(",")],
        repeat=args.repeat,
        history=args.history,
        history_scale=args.history_scale,
        spark_scale=args.spark_scale,
        start=args.start,
        seed=args.seed,
        workdir=Path(args.workdir).resolve(),
        out=Path(args.out).resolve(),
    )
    written = run_bench(config)
    print("\n".join(f"wrote {path}" for path in written))
    return 0


def cmd_holidays(args: argparse.Namespace) -> int:
    """Rewrites dim_date's holiday seed from the installed chinese-calendar."""
    from orchestration import holidays

    rows = holidays.write_seed()
    print(
        f"{holidays.SEED_PATH}: {rows} holidays and make-up workdays, "
        f"{holidays.FIRST_YEAR}-{holidays.last_covered_year()}"
    )
    return 0


def cmd_contracts_check(args: argparse.Namespace) -> int:
    """Validates a folder of contracts offline: every problem, with its file and field."""
    from orchestration.contracts.loader import check_folder

    contracts, problems = check_folder(Path(args.folder))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.folder}")
        return 1
    for c in contracts:
        print(f"ok  {c.key}: {c.format} -> {c.standard_id}")
    print(f"{len(contracts)} contract(s) in {args.folder}: no problems")
    return 0


def cmd_contracts_generate(args: argparse.Namespace) -> int:
    """Writes the dbt sources, staging models and their docs that follow from the standards."""
    from orchestration.standards.generate import stale_files, write_generated

    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(PROJECT_ROOT)}")
        if stale:
            print("run `citybase contracts generate` and commit the result")
        return 1 if stale else 0
    written = write_generated()
    for path in written:
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    print(f"{len(written)} file(s) written; the rest were current")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="citybase", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    def city_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scale", type=float, default=DEMO_CITY.scale, help="SF1 ≈ a million")
        p.add_argument("--days", type=int, default=DEMO_CITY.days)
        p.add_argument("--start", type=_date, default=DEMO_CITY.start)
        p.add_argument("--seed", type=int, default=DEMO_CITY.seed)
        p.add_argument("--defect-rate", type=float, default=DEMO_CITY.defect_rate)

    democity = sub.add_parser("democity", help="write the demo city's deliveries")
    city_args(democity)
    democity.add_argument("--out", help="folder (default $CITYBASE_HOME/democity)")
    democity.set_defaults(func=cmd_democity)

    nightly = sub.add_parser("nightly", help="run the nightly job for one day, headless")
    nightly.add_argument("--date", type=_date, help="the day to build (default: yesterday)")
    _night_output(nightly)
    nightly.add_argument("--timings", metavar="FILE", help="write each job's seconds and memory")
    nightly.set_defaults(func=cmd_nightly)

    backfill = sub.add_parser("backfill", help="build every day of a date range, headless")
    backfill.add_argument("--from", dest="start", type=_date, required=True)
    backfill.add_argument("--to", type=_date, required=True)
    _night_output(backfill)
    backfill.set_defaults(func=cmd_backfill)

    demo = sub.add_parser("demo", help="generate the demo city and build every day of it")
    city_args(demo)
    _night_output(demo)
    demo.set_defaults(func=cmd_demo)

    dev = sub.add_parser("dev", help="the Dagster UI, with the demo city's API running")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--no-demo-api", dest="with_demo_api", action="store_false")
    dev.set_defaults(func=cmd_dev)

    publish = sub.add_parser(
        "publish", help="publish the day's open data now, or roll a dataset back"
    )
    publish.add_argument("--date", type=_date, help="the day built (default: yesterday)")
    publish.add_argument(
        "--rollback", metavar="DATASET", help="serve DATASET's previous release again"
    )
    publish.set_defaults(func=cmd_publish)
    holidays = sub.add_parser(
        "holidays", help="rewrite the public-holiday seed of dim_date from chinese-calendar"
    )
    holidays.set_defaults(func=cmd_holidays)

    contracts = sub.add_parser("contracts", help="check contracts; generate what follows from them")
    contracts_sub = contracts.add_subparsers(dest="contracts_command", required=True)
    check = contracts_sub.add_parser("check", help="validate a folder of contracts offline")
    check.add_argument("folder", help="the folder (as CITYBASE_CONTRACTS would name it)")
    check.set_defaults(func=cmd_contracts_check)
    generate = contracts_sub.add_parser(
        "generate", help="write the dbt sources and staging models the standards give"
    )
    generate.add_argument("--check", action="store_true", help="only list stale files")
    generate.set_defaults(func=cmd_contracts_generate)

    bench = sub.add_parser("bench", help="time and size a night at several scales (make bench)")
    bench.add_argument("--scales", default="0.01,0.1,1,10", help="comma-separated scale factors")
    bench.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    bench.add_argument("--history", type=int, default=30, help="nights before the incremental one")
    bench.add_argument("--history-scale", type=float, default=0.1)
    bench.add_argument(
        "--spark-scale", type=float, default=1, help="the scale also built on Spark (0: none)"
    )
    bench.add_argument("--start", type=_date, default=dt.date(2026, 9, 1))
    bench.add_argument("--seed", type=int, default=20261001)
    bench.add_argument("--workdir", default="bench/work", help="scratch space (deleted runs)")
    bench.add_argument("--out", default="bench/results")
    bench.set_defaults(func=cmd_bench)
    add_sharing_commands(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    from orchestration.errors import CitybaseError
    from orchestration.permissions import restrict_process

    args = parser().parse_args(argv)
    restrict_process()  # whatever the command writes under CITYBASE_HOME is private
    try:
        return args.func(args)
    except CitybaseError as exc:  # expected: its message says what to do, no traceback
        print(f"citybase: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
