"""Source suites on the demo city: what they catch against the ground truth of injected defects,
and the DuckDB evaluation agreeing with Great Expectations' own engine."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from orchestration.contracts import load_contracts
from orchestration.ingest.delivery import extract
from orchestration.night import demo_services
from orchestration.quality.baseline import standards_by_table
from orchestration.quality.dbt_timing import wall_seconds_by_kind
from orchestration.quality.sources import run_source_checks
from orchestration.quality.suites import Expectation, Suite, load_suite
from orchestration.quality.validate import validate_batch
from orchestration.settings import Paths
from orchestration.warehouse import connect

DAY = dt.date(2026, 9, 30)


def land_and_check_every_dataset(home: Paths) -> None:
    with demo_services(home), connect(home.warehouse) as con:
        for contract in sorted(load_contracts(), key=lambda c: c.is_daily):  # reference first
            results = extract(con, contract, DAY, home)
            tables = {r.raw_table: r.raw_table for r in results if r.status == "loaded"}
            run_source_checks(con, contract, DAY, {contract.key: contract.key} | tables)


def detected(home: Paths) -> pd.DataFrame:
    with connect(home.warehouse, read_only=True) as con:
        return con.execute(
            """select bureau, dataset, row_number as line from raw._quarantine
               where partition_date = ?
               union select bureau, dataset, row_number from quality.flagged_rows
               where partition_date = ?
               union select bureau, dataset, 0 from raw._manifest
               where partition_date = ? and message like '%_v2%'""",
            [DAY, DAY, DAY],
        ).df()


def rules_of(suite: Suite, kind: str, severities=("critical",)) -> set[tuple[str, ...]]:
    return {
        tuple(e.columns) for e in suite.expectations if e.type == kind and e.severity in severities
    }


def test_every_suite_rule_names_a_column_of_its_standard() -> None:
    """A suite is its standard's generated baseline plus hand-written rules; a rule naming a
    column the standard does not have (a rename, a typo) would never be evaluated."""
    for table, standard in standards_by_table().items():
        suite = load_suite(table)
        assert suite is not None
        columns = {c.name for c in standard.columns} | set(suite.batch_columns)
        for expectation in suite.expectations:
            assert set(expectation.columns) <= columns, (table, expectation.rule)
        required = {c.name for c in standard.columns if c.required}
        assert {f"{c}_present" for c in required} <= {e.rule for e in suite.expectations}


def test_every_rule_reads_in_chinese_first_with_its_columns() -> None:
    """Bureaus read rules in Chinese: every rule of every suite says, before its English, in
    Chinese what it checks, naming the columns it checks (said from its GX type, not a
    fallback)."""
    for table in standards_by_table():
        for expectation in load_suite(table).expectations:
            zh, _, en = expectation.reason.partition(" / ")
            assert en and re.search("[\u4e00-\u9fff]", zh), (table, expectation.reason)
            assert not zh.startswith("规则 "), (table, expectation.type)
            assert any(c in zh for c in expectation.columns), (table, expectation.reason)


def test_a_hand_written_rule_that_restates_the_baseline_is_refused(tmp_path, monkeypatch) -> None:
    import orchestration.quality.suites as suites

    folder = tmp_path / "environment"
    folder.mkdir()
    (folder / "stations.json").write_text(
        json.dumps(
            {
                "name": "environment__stations",
                "expectations": [
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "station_id"},
                        "meta": {
                            "rule": "station_id_present",
                            "reason": "x",
                            "dimension": "completeness",
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)
    suites.load_suite.cache_clear()
    try:
        with pytest.raises(suites.SuiteError, match="given twice"):
            suites.load_suite("environment__stations")
    finally:
        suites.load_suite.cache_clear()


def assert_suites_name_existing_columns(home: Paths) -> None:
    with connect(home.warehouse, read_only=True) as con:
        tables = {
            name: {r[0] for r in con.execute(f"describe raw.{name}").fetchall()}
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        }
    for name, columns in tables.items():
        suite = load_suite(name)
        if suite is not None:
            named = {c for e in suite.expectations for c in e.columns}
            unknown = named - columns - set(suite.batch_columns)
            assert not unknown, f"{suite.path} names columns raw.{name} lacks: {unknown}"


@pytest.mark.slow
def test_every_injected_defect_kind_is_caught(demo_home: Paths) -> None:
    land_and_check_every_dataset(demo_home)
    assert_suites_name_existing_columns(demo_home)
    truth = pd.read_csv(demo_home.democity / "_ground_truth" / "defects.csv")
    truth = truth[truth["date"] == DAY.isoformat()]
    found = truth.merge(
        detected(demo_home), on=["bureau", "dataset", "line"], how="left", indicator=True
    )
    per_kind = found.groupby("kind")["_merge"].agg(
        injected="size", caught=lambda m: int((m == "both").sum())
    )
    print(f"\nDefects injected on {DAY} and caught by the source checks:\n{per_kind}")
    print(f"Total: {per_kind['caught'].sum()} of {per_kind['injected'].sum()}")
    assert set(per_kind.index) >= {
        "bad_id_checksum",
        "duplicate_row",
        "invalid_division_code",
        "late_row",
        "malformed_line",
        "missing_value",
        "out_of_range",
        "completed_before_submitted",
    }
    assert (per_kind["caught"] > 0).all(), per_kind
    assert per_kind["caught"].sum() / per_kind["injected"].sum() > 0.95


def test_duckdb_evaluation_agrees_with_great_expectations(con, tmp_path) -> None:
    import great_expectations as gx  # seconds to import: only this test needs it

    con.execute("""create table sample as select range as _row_number, 'f.csv' as _source_file,
        case when range % 7 = 0 then null else range % 11 end::double as reading,
        case when range % 13 = 0 then 'x' else 'ok' end as code,
        timestamp '2026-09-30 00:00:00' + to_minutes(range) as began,
        timestamp '2026-09-30 00:05:00' + to_minutes(range - (range % 17 = 0)::int * 10)
            as ended,
        (range % 50)::varchar as key from range(400)""")
    expectations = [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="reading", mostly=0.9),
        gx.expectations.ExpectColumnValuesToBeBetween(column="reading", min_value=1, max_value=9),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="reading", min_value=1, max_value=9, strict_min=True
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"]),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="code", regex="^o"),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ended",
            column_B="began",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gx.expectations.ExpectColumnValuesToBeUnique(column="key"),
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["key", "code"]),
    ]
    frame = con.execute("select * from sample").df()
    batch = (
        gx.get_context(mode="ephemeral")
        .data_sources.add_pandas("t")
        .add_dataframe_asset("t")
        .add_batch_definition_whole_dataframe("b")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    for i, gx_expectation in enumerate(expectations):
        config = gx_expectation.configuration
        ours = Expectation(config.type, dict(config.kwargs), "critical", f"r{i}", "", "accuracy")
        [outcome] = validate_batch(
            con,
            Suite("sample", tmp_path / "sample.json", [ours]),
            "select * from sample",
            [],
            DAY,
            set(),
        )
        theirs = batch.validate(gx_expectation, result_format="SUMMARY")
        assert outcome.success == theirs.success, config.type
        assert outcome.unexpected == theirs.result["unexpected_count"], config.type


def _node(unique_id: str, start: int, end: int) -> dict:
    at = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)
    stamp = lambda s: (at + dt.timedelta(seconds=s)).isoformat().replace("+00:00", "Z")  # noqa: E731
    return {
        "unique_id": unique_id,
        "timing": [
            {"name": "compile", "started_at": stamp(start), "completed_at": stamp(start)},
            {"name": "execute", "started_at": stamp(start), "completed_at": stamp(end)},
        ],
    }


def test_dbt_tests_are_charged_their_share_of_the_wall_time_they_ran_in() -> None:
    # a model alone for 2 s, then beside test A for 2 s; then tests A and B side by side
    results = [_node("model.m", 0, 4), _node("test.a", 2, 6), _node("test.b", 4, 6)]
    charged = wall_seconds_by_kind(results)
    assert charged == pytest.approx({"model": 3.0, "test": 3.0})
    assert sum(charged.values()) == pytest.approx(6.0)  # the build's wall time, not 8 s of sums
