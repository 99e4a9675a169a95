"""Extract assets: one per source contract, keyed raw/<bureau>/<dataset>, daily-partitioned.

Each lands the day's delivery and loads it; the asset fails (naming the file and what is wrong)
when the delivery is missing or unreadable, and the other bureaus' assets run on regardless.
"""

import datetime as dt
import os
import time
from collections.abc import Iterator, Sequence

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Backoff,
    Failure,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    multi_asset,
)

from orchestration.contracts.mapping import raw_table_of
from orchestration.contracts.model import Contract
from orchestration.ingest.delivery import extract, mirror_to_lake
from orchestration.ingest.recheck import recheck_after_reference
from orchestration.instance import WAREHOUSE_POOL
from orchestration.keys import gtfs_table_keys, raw_asset_key
from orchestration.landing.errors import DeliveryError, SourceUnavailable
from orchestration.landing.schema import RAW_SCHEMA
from orchestration.observability.anomalies import CHECKS, Finding, detect, record_findings
from orchestration.partitions import daily_partitions, night_day
from orchestration.preflight import absent_sources
from orchestration.quality.sources import run_source_checks
from orchestration.quality.store import CheckRecord, load_records, save_timing
from orchestration.quality.suites import DELIVERIES_SUITE, load_suite
from orchestration.resources import CitybaseHome
from orchestration.settings import Paths
from orchestration.standards import standard as find_standard

FORMAT_KINDS = {
    "csv": "csv",
    "jsonl": "json",
    "parquet": "parquet",
    "xlsx": "excel",
    "rest": "api",
    "sql": "sql",
    "gtfs": "gtfs",
}


NETWORK_FORMATS = {"rest", "sql"}


def network_retry_policy() -> RetryPolicy:
    """Sources reached over the network are tried again when they do not answer: after the
    connector's own quick retries, the step waits (30 s, 60 s, 120 s by default, ±jitter) so that
    a restart of the bureau's server does not cost the night. CITYBASE_NETWORK_RETRY_DELAY_SECONDS
    sets the first wait."""
    delay = float(os.environ.get("CITYBASE_NETWORK_RETRY_DELAY_SECONDS", "30"))
    return RetryPolicy(
        max_retries=3, delay=delay, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
    )


def source_check_specs(contract: Contract) -> list[AssetCheckSpec]:
    """One check per rule of the dataset's suites (and the delivery rules), on the asset of
    the raw table it validates. Critical rules block; warnings are reported."""
    targets = table_keys(contract)
    delivery = load_suite(DELIVERIES_SUITE)
    specs = []
    for raw_table, key in targets.items():
        suite = load_suite(raw_table)
        expectations = list(suite.expectations) if suite else []
        if key == raw_asset_key(contract) and delivery:
            expectations += delivery.expectations
        specs += [
            AssetCheckSpec(
                e.rule,
                asset=key,
                blocking=e.severity == "critical",
                description=f"{e.reason} [GX {e.type}, {e.dimension}]",
            )
            for e in expectations
        ]
    return specs


def _check_result(record: CheckRecord) -> AssetCheckResult:
    error = record.severity == "error"
    return AssetCheckResult(
        asset_key=AssetKey.from_user_string(record.asset),
        check_name=record.check_name,
        passed=record.passed,
        severity=AssetCheckSeverity.ERROR if error else AssetCheckSeverity.WARN,
        description=record.description,
        metadata={
            "rows_evaluated": record.evaluated or 0,
            "rows_failed": record.failed or 0,
            "failing_sample_masked": MetadataValue.json(record.sample),
            "dimension": record.dimension or "",
        },
    )


ANOMALY_CHECK_DESCRIPTIONS = {
    "volume_anomaly": "Rows delivered against the same day type's baseline; a drop beyond the "
    "contract's volume_drop_limit blocks (its datasets are held back).",
    "arrival_anomaly": "Arrival against the usual arrival on the same day type.",
    "column_anomalies": "Per column: empty share, mean, code shares against their baselines.",
}


def anomaly_check_specs(contract: Contract) -> list[AssetCheckSpec]:
    """The observability checks of a daily dataset (its baselines need a daily series)."""
    if not contract.is_daily:
        return []
    return [
        AssetCheckSpec(
            name,
            asset=raw_asset_key(contract),
            blocking=name == "volume_anomaly",
            description=ANOMALY_CHECK_DESCRIPTIONS[name],
        )
        for name in CHECKS
    ]


def _finding_metadata(finding: Finding) -> dict:
    return {
        "metric": finding.family,
        "column": finding.column,
        "value": finding.value,
        "baseline": finding.expected,
        "robust_z": round(finding.z, 2),
        "anomalous": finding.anomalous,
        "compared_with": finding.baseline.compared_with,
        "history": [[d.isoformat(), v] for d, v in finding.baseline.history],
    }


def _anomaly_checks(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date
) -> Iterator[AssetCheckResult]:
    """Tonight's delivery against its baselines: value, baseline and history in metadata
    (the numbers are plotted across nights in the asset's checks)."""
    if not contract.is_daily:
        return
    key = raw_asset_key(contract)
    started = time.perf_counter()
    findings = detect(con, contract, day)
    records = record_findings(con, contract, day, key.to_user_string(), findings)
    save_timing(con, day, "anomaly_checks", key.to_user_string(), time.perf_counter() - started)
    for record in records:
        judged = [f for f in findings if f.check_name == record.check_name]
        metadata = {
            "metrics_judged": len(judged),
            "anomalies": record.failed or 0,
            "findings": MetadataValue.json(
                [_finding_metadata(f) for f in sorted(judged, key=lambda f: -abs(f.z))]
            ),
        }
        if len(judged) == 1:  # volume and arrival: one series, plotted night by night
            metadata |= {"value": judged[0].value, "baseline": judged[0].expected}
        yield AssetCheckResult(
            asset_key=key,
            check_name=record.check_name,
            passed=record.passed,
            severity=AssetCheckSeverity.ERROR if record.blocking else AssetCheckSeverity.WARN,
            description=record.description,
            metadata=metadata,
        )


def table_keys(contract: Contract) -> dict[str, AssetKey]:
    """Each raw table a contract loads -> its asset key (the dataset's own first)."""
    return {raw_table_of(contract): raw_asset_key(contract)} | gtfs_table_keys(contract)


def table_assets(contract: Contract) -> dict[str, str]:
    """The same, keys as strings (as the check records name them)."""
    return {t: k.to_user_string() for t, k in table_keys(contract).items()}


def _second_chances(
    context: AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    contract: Contract,
    contracts: Sequence[Contract],
    results: list,
) -> None:
    """A register that changed gives the facts it refused a second chance (ingest.recheck)."""
    if contract.format == "gtfs" or not _is_reference(contract) or results[0].status != "loaded":
        return
    rechecked = recheck_after_reference(con, contract, contracts, paths, table_assets)
    for r in rechecked:
        context.log.info(
            f"second chance for {r.source} of {r.day}: {r.restored} of {r.held} rows held for "
            f"an unknown {contract.dataset} entry now pass"
        )


def _source_checks(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date, results: list
) -> Iterator[AssetCheckResult]:
    """Runs the suites after a load; when the day's delivery was already loaded (a re-run),
    reports the results recorded then, since its failing rows have already been moved."""
    assets = table_assets(contract)
    records = []
    if results[0].status != "loaded":
        records = [r for a in assets.values() for r in load_records(con, day, a, "gx")]
    if not records:
        records = run_source_checks(con, contract, day, assets)
    yield from (_check_result(r) for r in records)


def _reconciliation(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date
) -> AssetCheckResult:
    """Rows read = rows loaded + rows quarantined for every file the day's load recorded."""
    rows = con.execute(
        f"""select landed_file, rows_read, rows_loaded, rows_quarantined
            from {RAW_SCHEMA}._manifest where bureau = ? and dataset = ? and status = 'loaded'
              and (partition_date = ? or not ?)""",
        [contract.bureau, contract.dataset, day, contract.is_daily],
    ).fetchall()
    broken = [r[0] for r in rows if r[1] != r[2] + r[3]]
    return AssetCheckResult(
        asset_key=raw_asset_key(contract),
        check_name="rows_reconcile",
        passed=bool(rows) and not broken,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "files": len(rows),
            "rows_read": sum(r[1] for r in rows),
            "rows_loaded": sum(r[2] for r in rows),
            "rows_quarantined": sum(r[3] for r in rows),
            "unreconciled_files": MetadataValue.json(broken),
        },
    )


REFERENCE_PRIORITY = 10


def _is_reference(contract: Contract) -> bool:
    """Registers and catalogues (GTFS included: facts name its routes and stops)."""
    return contract.format == "gtfs" or find_standard(contract.standard_id).role == "reference"


def _fail_when_a_reference_is_emptied(
    con: duckdb.DuckDBPyConnection, contract: Contract, day: dt.date
) -> None:
    """Reference data (a register, a catalogue) that arrived but whose every row was
    quarantined would leave every fact checked against it unexplained: the step fails, loudly,
    naming the file and the rules, instead of the night ending green with the data gone."""
    if contract.format == "gtfs" or not _is_reference(contract):
        return
    emptied = con.execute(
        f"""select m.landed_file, m.rows_read,
                   (select string_agg(distinct q.rule, ', ' order by q.rule)
                    from {RAW_SCHEMA}._quarantine q where q.landed_file = m.landed_file)
            from {RAW_SCHEMA}._manifest m
            where m.bureau = ? and m.dataset = ? and m.status = 'loaded'
              and (m.partition_date = ? or not ?) and m.rows_read > 0 and m.rows_loaded = 0""",
        [contract.bureau, contract.dataset, day, contract.is_daily],
    ).fetchall()
    for landed_file, rows_read, rules in emptied:
        raise Failure(
            description=f"{landed_file}: all {rows_read} rows of this reference dataset were "
            f"quarantined (rules: {rules}); nothing checked against it can be trusted. Fix the "
            "delivery or its contract (raw._quarantine says why each row was refused).",
            metadata={"file": landed_file, "rules": rules or ""},
            allow_retries=False,
        )


def _table_materializations(
    con: duckdb.DuckDBPyConnection, table_keys: dict[str, AssetKey], results: list
) -> Iterator[MaterializeResult]:
    """One per raw table of a GTFS feed that exists, including when the day's feed was the same
    file as before (skipped as a duplicate): downstream models must still see it as current."""
    if not table_keys:
        return
    existing = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    loaded = {r.raw_table: r for r in results}
    for raw_table, table_key in table_keys.items():
        if raw_table not in existing:
            continue
        result = loaded.get(raw_table)
        metadata = (
            {"file": result.landed_file, "rows_loaded": result.rows_loaded}
            if result
            else {"status": "unchanged: the day's feed is the one already loaded"}
        )
        yield MaterializeResult(asset_key=table_key, metadata=metadata)


def build_extract_asset(contract: Contract, contracts: Sequence[Contract]) -> AssetsDefinition:
    """The contract's step; `contracts` are all the location's (a changed register rechecks
    the facts of every contract that refers to it)."""
    key = raw_asset_key(contract)
    spec = AssetSpec(
        key=key,
        description=f"{contract.title} ({contract.title_en}). {contract.description} "
        f"Delivered as {contract.format} at {contract.location}.",
        group_name="raw",
        owners=[f"team:{contract.bureau}"],
        kinds={"duckdb", FORMAT_KINDS[contract.format]},
        tags={"bureau": contract.bureau, "openness": contract.openness},
        metadata={
            "contract": MetadataValue.json(contract.model_dump(mode="json")),
            "expected_delivery": contract.expected_delivery.strftime("%H:%M"),
            "standard": contract.standard_id,
            "raw_table": f"raw.{raw_table_of(contract)}",
        },
        partitions_def=daily_partitions,
    )
    check = AssetCheckSpec(
        "rows_reconcile",
        asset=key,
        blocking=True,
        description="Rows read = rows loaded + rows quarantined, per file.",
    )

    table_keys = gtfs_table_keys(contract)
    table_specs = [
        AssetSpec(
            key=table_key,
            deps=[key],
            description=f"The {raw_table.rsplit('__', 1)[1]}.txt table of {contract.title_en}, "
            "as loaded from the day's feed (absent optional files are not materialised).",
            group_name="raw",
            owners=[f"team:{contract.bureau}"],
            kinds={"duckdb"},
            tags={"bureau": contract.bureau, "openness": contract.openness},
            partitions_def=daily_partitions,
            skippable=True,
        )
        for raw_table, table_key in table_keys.items()
    ]

    @multi_asset(
        specs=[spec, *table_specs],
        check_specs=[check, *source_check_specs(contract), *anomaly_check_specs(contract)],
        name=f"extract_{contract.key}",
        pool=WAREHOUSE_POOL,
        # Registers land before the facts checked against them (the pool runs one at a time).
        op_tags={"dagster/priority": REFERENCE_PRIORITY if _is_reference(contract) else 0},
        retry_policy=network_retry_policy() if contract.format in NETWORK_FORMATS else None,
    )
    def _extract(context: AssetExecutionContext, home: CitybaseHome):
        day = night_day(context)
        if contract.key in absent_sources(context.run.tags):
            raise Failure(
                description=f"{contract.bureau}/{contract.dataset}: the source was absent when "
                "the night started (no database file, a refused connection or an unknown "
                "host), so its step is not retried; the rest of the night goes on. Run "
                f"`citybase nightly --date {day}` again once it is back.",
                allow_retries=False,
            )
        # One connection for the whole step: each open and close of the file costs a checkpoint.
        with home.warehouse() as con:
            try:
                results = extract(con, contract, day, home.paths)
            except DeliveryError as exc:
                raise Failure(
                    description=str(exc),
                    metadata={"file": exc.file, "problem": exc.problem},
                    allow_retries=isinstance(exc, SourceUnavailable),  # a broken file stays broken
                ) from None
            for result in results:
                context.log.info(
                    f"{result.landed_file}: {result.status}, {result.rows_read} read, "
                    f"{result.rows_loaded} loaded, {result.rows_quarantined} quarantined"
                )
                for note in result.drift:
                    context.log.warning(f"{result.landed_file}: {note}")
            yield MaterializeResult(
                asset_key=key,
                metadata={
                    "status": results[0].status,
                    "files": MetadataValue.json([r.landed_file for r in results]),
                    "sha256": results[0].sha256,
                    "bytes": results[0].bytes,
                    "rows_read": sum(r.rows_read for r in results),
                    "rows_loaded": sum(r.rows_loaded for r in results),
                    "rows_quarantined": sum(r.rows_quarantined for r in results),
                    "quarantine_rules": MetadataValue.json(
                        {rule: n for r in results for rule, n in r.quarantine_rules.items()}
                    ),
                    "schema_drift": MetadataValue.json([d for r in results for d in r.drift]),
                },
            )
            yield from _table_materializations(con, table_keys, results)
            yield _reconciliation(con, contract, day)
            yield from _source_checks(con, contract, day, results)
            yield from _anomaly_checks(con, contract, day)
            _fail_when_a_reference_is_emptied(con, contract, day)
            _second_chances(context, con, home.paths, contract, contracts, results)
            kept = mirror_to_lake(con, contract, day, home.paths)
            context.log.info(f"lake: rows kept per raw table {kept}")

    return _extract
