"""Running a source suite against the raw layer, inside DuckDB.

Great Expectations' SQL engine fails on DuckDB (every metric, see DESIGN.md) and its pandas engine
needs ~13 s for eight expectations on a 2-million-row day of bus GPS fixes, which at SF1 would be
most of the nightly budget. So the expectation types our suites use are evaluated here as DuckDB
predicates over the day's batch, with GX's semantics (`mostly`, nulls outside the domain of every
rule but not-null, inclusive bounds unless strict, uniqueness flagging every copy); any other type
runs through GX itself on the batch as a pandas frame. tests/test_quality.py holds both paths to
GX's own results on the demo city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.privacy import mask_sql
from orchestration.quality.suites import Expectation, Suite, parameter_queries
from orchestration.sql import quote

SAMPLE_SIZE = 5
IN_SET = "select code from unnest(?) as t(code) where code is not null"  # a relation to join


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    evaluated: int
    unexpected: int
    success: bool
    sample: list[str]
    note: str = ""


@dataclass(frozen=True)
class Predicate:
    domain: str  # rows the rule applies to
    failing: str  # rows (within the domain) that break it
    params: list[Any]
    window: bool = False  # `failing` is a window condition (uniqueness), used in QUALIFY


def _bound(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params[value["$PARAMETER"]]
    return value


def _predicate(exp: Expectation, params: dict[str, Any]) -> Predicate | None:
    """The DuckDB form of an expectation, or None when GX itself must evaluate it."""
    kw = {k: _bound(v, params) for k, v in exp.kwargs.items()}
    cols = [quote(c) for c in exp.columns]
    c = cols[0] if cols else ""
    not_null = f"{c} is not null"
    match exp.type:
        case "expect_column_values_to_not_be_null":
            return Predicate("true", f"{c} is null", [])
        case "expect_column_values_to_be_null":
            return Predicate("true", not_null, [])
        case "expect_column_values_to_be_between":
            tests, args = [], []
            if kw.get("min_value") is not None:
                tests.append(f"{c} {'<=' if kw.get('strict_min') else '<'} ?")
                args.append(kw["min_value"])
            if kw.get("max_value") is not None:
                tests.append(f"{c} {'>=' if kw.get('strict_max') else '>'} ?")
                args.append(kw["max_value"])
            return Predicate(not_null, " or ".join(tests) or "false", args)
        # A semi-join rather than list_contains: a register's codes (24,840 GTFS trips at SF1)
        # are hashed once instead of scanned for every row (23 s to 0.1 s on 2.3 M fixes).
        case "expect_column_values_to_be_in_set":
            return Predicate(not_null, f"{c} not in ({IN_SET})", [list(kw["value_set"])])
        case "expect_column_values_to_not_be_in_set":
            return Predicate(not_null, f"{c} in ({IN_SET})", [list(kw["value_set"])])
        case "expect_column_values_to_match_regex":
            return Predicate(not_null, f"not regexp_matches({c}, ?)", [kw["regex"]])
        case "expect_column_values_to_not_match_regex":
            return Predicate(not_null, f"regexp_matches({c}, ?)", [kw["regex"]])
        case "expect_column_pair_values_a_to_be_greater_than_b":
            if kw.get("ignore_row_if") != "either_value_is_missing":
                return None
            a, b = cols
            operator = ">=" if kw.get("or_equal") else ">"
            both = f"{a} is not null and {b} is not null"
            return Predicate(both, f"not ({a} {operator} {b})", [])
        case "expect_column_values_to_be_unique":
            return Predicate(not_null, f"count(*) over (partition by {c}) > 1", [], window=True)
        case "expect_compound_columns_to_be_unique":
            if kw.get("ignore_row_if", "all_values_are_missing") != "all_values_are_missing":
                return None
            all_null = " and ".join(f"{x} is null" for x in cols)
            return Predicate(
                f"not ({all_null})",
                f"count(*) over (partition by {', '.join(cols)}) > 1",
                [],
                window=True,
            )
    return None


def resolve_parameters(
    con: duckdb.DuckDBPyConnection, names: set[str], day: dt.date
) -> dict[str, Any]:
    """Built-in day bounds plus the named reference queries of expectations/parameters.yaml."""
    start = dt.datetime.combine(day, dt.time())
    values: dict[str, Any] = {
        "day": day,
        "day_start": start,
        "day_end": start + dt.timedelta(days=1) - dt.timedelta(microseconds=1),
        # Buses run past midnight: a service day's fixes and taps go on until 04:00 next day.
        "service_day_end": start + dt.timedelta(hours=28),
    }
    queries = parameter_queries()
    for name in sorted(names - values.keys()):
        if name not in queries:
            raise KeyError(f"$PARAMETER {name} is not defined in expectations/parameters.yaml")
        try:
            # An empty register is not loaded yet either: every row would fail against it.
            values[name] = [r[0] for r in con.execute(queries[name]).fetchall()] or None
        except duckdb.CatalogException:
            values[name] = None  # the reference table is not loaded yet
    return values


def _evaluate_in_duckdb(
    con: duckdb.DuckDBPyConnection, exp: Expectation, pred: Predicate, value_sql: str
) -> int:
    """Records the rule's failing rows in `_failing`; returns how many rows it applies to."""
    if pred.window:
        rows = f"from _batch where {pred.domain} qualify {pred.failing}"
    else:
        rows = f"from _batch where ({pred.domain}) and ({pred.failing})"
    con.execute(
        f"insert into _failing select _row_number, _source_file, {value_sql}, '{exp.rule}' {rows}",
        pred.params,
    )
    return con.execute(f"select count(*) from _batch where {pred.domain}").fetchone()[0]


def _evaluate_with_gx(
    con: duckdb.DuckDBPyConnection, exp: Expectation, params: dict
) -> tuple[int, bool]:
    """Runs one expectation through GX's pandas engine on the batch; its unexpected rows are
    recorded like the DuckDB path's. Returns the rows it applies to and GX's verdict."""
    import great_expectations as gx  # seconds to import: only here

    frame = con.execute("select * from _batch").df()
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("citybase")
        .add_dataframe_asset(exp.rule)
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    expectation = gx.expectations.registry.get_expectation_impl(exp.type)(**exp.kwargs)
    validation = batch.validate(
        expectation,
        expectation_parameters=params,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["_row_number"],
        },
    )
    result = validation.result
    failing = [row["_row_number"] for row in result.get("unexpected_index_list") or []]
    con.execute(
        "insert into _failing select b._row_number, b._source_file, '', ? from _batch b "
        "where b._row_number in (select unnest(?::bigint[]))",
        [exp.rule, failing],
    )
    evaluated = result.get("element_count", len(frame)) - result.get("missing_count", 0)
    return int(evaluated), bool(validation.success)


def _success(exp: Expectation, evaluated: int, unexpected: int) -> bool:
    mostly = exp.kwargs.get("mostly", 1.0)
    if evaluated == 0:
        return True
    return 1 - unexpected / evaluated >= mostly


def validate_batch(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    batch_sql: str,
    batch_params: list[Any],
    day: dt.date,
    personal_columns: set[str],
) -> list[Outcome]:
    """Validates the rows `batch_sql` selects (they must carry _row_number and _source_file).

    Failing rows are left in the temp table `_failing` (row, file, masked value, rule) for the
    caller to quarantine or flag.
    """
    extra = "".join(f", {expr} as {quote(name)}" for name, expr in suite.batch_columns.items())
    con.execute(
        f"create or replace temp table _batch as select *{extra} from ({batch_sql})", batch_params
    )
    con.execute(
        "create or replace temp table _failing "
        "(_row_number bigint, _source_file varchar, value varchar, rule varchar)"
    )
    names = {p for e in suite.expectations for p in e.parameters}
    params = resolve_parameters(con, names, day)
    outcomes = []
    for exp in suite.expectations:
        if any(params.get(p) is None for p in exp.parameters):
            outcomes.append(Outcome(exp, 0, 0, False, [], "not evaluated: reference not loaded"))
            continue
        shown = [
            "'(personal)'" if c in personal_columns else f"coalesce({quote(c)}::varchar, 'null')"
            for c in exp.columns
        ]
        listed = ", ".join(shown) or "''"
        value_sql = mask_sql(f"concat_ws(' | ', {listed})", bool(personal_columns))
        pred = _predicate(exp, params)
        if pred is None:
            evaluated, success = _evaluate_with_gx(con, exp, params)
        else:
            evaluated = _evaluate_in_duckdb(con, exp, pred, value_sql)
            success = None
        unexpected, sample = con.execute(
            f"select count(*), list(value order by _row_number)[1:{SAMPLE_SIZE}] "
            "from _failing where rule = ?",
            [exp.rule],
        ).fetchone()
        if success is None:
            success = _success(exp, evaluated, unexpected)
        outcomes.append(Outcome(exp, evaluated, unexpected, success, sample or []))
    return outcomes
