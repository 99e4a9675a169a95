"""A contract's mapping onto its standard, as SQL the load runs: which delivered columns a reader
must take, and for every column of the standard the typed value and the test that says a
delivered value could not be mapped (quarantined with the rule, never silently emptied).

Order of a column's mapping: the delivered text (trimmed and empty-as-null by the reader), null
tokens, the value map, division-code normalisation, parsing into the standard's type (with the
contract's format for dates and times), unit conversion. A missing value stays NULL: whether the
standard requires it is a rule of the source suite, not a reason to drop the record here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from orchestration.contracts.model import Contract, Mapping
from orchestration.sql import SQL_TYPES, literal, quote
from orchestration.standards import expressions, gtfs
from orchestration.standards.gtfs import GTFS_TABLE, gtfs_tables
from orchestration.standards.loader import standard as find_standard
from orchestration.standards.model import Column, Standard, StandardColumn
from orchestration.standards.units import UnitError, conversion_sql

NUMERIC = {"integer", "bigint", "double"}
# National division codes: province 2, prefecture 4, county 6, township 9, village 12 digits.
DIVISION_CODE = "[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}"


class MappingError(ValueError):
    """A mapping that does not fit its standard; `field` is the contract field at fault."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"field '{field}': {problem}")
        self.field = field


@dataclass(frozen=True)
class MappedColumn:
    """One column of the standard as the load computes it from `incoming`."""

    name: str
    type: str
    value_sql: str  # the typed value, before pseudonymisation
    failed_sql: str  # TRUE when a delivered value was there but could not be mapped
    rule: str
    reason: str
    personal: str | None = None


@dataclass(frozen=True)
class PersonalFact:
    name: str
    fact: str
    of: str
    at: str | None = None


@dataclass(frozen=True)
class Plan:
    """How one delivered table becomes rows of one raw table."""

    raw_table: str
    source: str  # the contract's key, kept in `_source`
    delivered: list[Column]  # what the reader takes from the file
    columns: list[MappedColumn]
    facts: list[PersonalFact] = field(default_factory=list)
    personal_delivered: dict[str, str] = field(default_factory=dict)  # delivered name -> kind
    report_missing_optional: bool = True


def _without_tokens(column: str, tokens: list[str]) -> str:
    name = quote(column)
    if not tokens:
        return name
    listed = ", ".join(literal(t) for t in tokens)
    return f"CASE WHEN {name} IN ({listed}) THEN NULL ELSE {name} END"


def _value_map(text: str, value_map: dict) -> str:
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(_text(v))}" for k, v in value_map.items())
    return f"CASE {text} {cases} END"


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _twelve_digits(text: str) -> str:
    """A division code in any national form, padded to its 12-digit form (others unchanged:
    the suite's format rule reports them)."""
    padded = f"rpad({text}, 12, '0')"
    return f"CASE WHEN regexp_full_match({text}, '{DIVISION_CODE}') THEN {padded} ELSE {text} END"


def _typed(text: str, column_type: str, time_format: str | list[str] | None = None) -> str:
    """Text parsed into the type (NULL where it does not parse), in the format for times."""
    sql_type = SQL_TYPES[column_type]
    if time_format and column_type in ("date", "timestamp"):
        formats = [time_format] if isinstance(time_format, str) else time_format
        listed = "[" + ", ".join(literal(f) for f in formats) + "]"
        return f"try_strptime({text}, {listed})::{sql_type}"
    return text if column_type == "varchar" else f"try_cast({text} AS {sql_type})"


def _check_mapping(where: str, column: StandardColumn, mapping: Mapping) -> None:
    if mapping.format and column.type not in ("date", "timestamp"):
        raise MappingError(f"{where}.format", f"{column.name} is a {column.type}, not a time")
    if mapping.unit:
        if column.type not in NUMERIC or not column.unit:
            raise MappingError(f"{where}.unit", f"{column.name} is not a measured quantity")
        try:
            conversion_sql("x", mapping.unit, column.unit)
        except UnitError as exc:
            raise MappingError(f"{where}.unit", str(exc)) from None
    if column.personal and mapping.source is None:
        raise MappingError(where, f"{column.name} is personal data: map it from a column only")
    if mapping.map and column.codes:
        unknown = sorted({_text(v) for v in mapping.map.values()} - {str(c) for c in column.codes})
        if unknown:
            raise MappingError(
                f"{where}.map", f"{unknown} are not in the code list of {column.name}"
            )


def _mapped(
    column: StandardColumn,
    mapping: Mapping,
    tokens: list[str],
    where: str,
    namespace: str | None = None,
) -> tuple[MappedColumn, list[str]]:
    """The column's SQL and the delivered columns it reads. `namespace` prefixes the value
    (an identifier that must stay unique across sources)."""
    _check_mapping(where, column, mapping)
    if mapping.expr is not None:
        try:
            tree = expressions.parse(mapping.expr)
        except expressions.ExpressionError as exc:
            raise MappingError(f"{where}.expr", str(exc)) from None
        reads = expressions.columns(tree)
        if not reads:
            raise MappingError(f"{where}.expr", "reads no delivered column: use value instead")
        text = expressions.render(tree, lambda name: _without_tokens(name, tokens))
        text = text if column.type == "varchar" else f"try_cast({text} AS VARCHAR)"
        present = " AND ".join(f"{_without_tokens(n, tokens)} IS NOT NULL" for n in reads)
        rule, problem = f"expr:{column.name}", "could not be computed from"
    elif mapping.source is not None:
        reads = [mapping.source]
        text = _without_tokens(mapping.source, tokens + mapping.null)
        present = f"{text} IS NOT NULL"
        rule, problem = f"type:{column.name}", "is not a valid value of"
    else:
        reads = []
        text = literal(_text(mapping.value))
        present = "TRUE"
        rule, problem = f"type:{column.name}", "is not a valid value of"
    if mapping.map:
        text = _value_map(text, mapping.map)
        rule, problem = f"map:{column.name}", "has no entry in the value map of"
    if column.division_code:
        text = _twelve_digits(text)
    if namespace:
        text = f"{literal(namespace + ':')} || {text}"
    value = _typed(text, column.type, mapping.format)
    if mapping.unit and mapping.unit != column.unit:
        value = conversion_sql(value, mapping.unit, column.unit or mapping.unit)
    reason = f"the value of {mapping.origin} {problem} {column.name} ({column.type})"
    mapped = MappedColumn(
        column.name,
        column.type,
        value,
        f"({present}) AND ({value}) IS NULL",
        rule,
        reason,
        column.personal,
    )
    return mapped, reads


def _namespaced(standard: Standard, column: StandardColumn) -> bool:
    """Identifiers a source's namespace applies to: the standard's text keys and the columns
    that reference another register's; never division codes, which are national."""
    is_identifier = column.name in standard.keys or column.references is not None
    return is_identifier and column.type == "varchar" and not column.division_code


def plan(contract: Contract, standard: Standard | None = None) -> Plan:
    """The load plan of a non-GTFS contract; MappingError names the contract field at fault."""
    standard = standard or find_standard(contract.standard_id)
    names = {c.name for c in standard.columns}
    unknown = sorted(set(contract.columns) - names)
    if unknown:
        raise MappingError("columns", f"{unknown} are not columns of the standard {standard.id}")
    columns, delivered, personal = [], {}, {}
    for column in standard.delivered_columns:
        mapping = contract.columns.get(column.name)
        if mapping is None:
            if column.required:
                raise MappingError(
                    "columns", f"{column.name} is required by the standard {standard.id}: map it"
                )
            columns.append(
                MappedColumn(
                    column.name,
                    column.type,
                    f"NULL::{SQL_TYPES[column.type]}",
                    "FALSE",
                    "",
                    "",
                    column.personal,
                )
            )
            continue
        where = f"columns.{column.name}"
        namespace = contract.namespace if _namespaced(standard, column) else None
        mapped, reads = _mapped(column, mapping, list(contract.null_values), where, namespace)
        columns.append(mapped)
        for name in reads:
            delivered[name] = delivered.get(name, False) or column.required
            if column.personal:
                personal[name] = column.personal
    facts = [
        PersonalFact(c.name, c.personal_fact.fact, c.personal_fact.of, c.personal_fact.at)
        for c in standard.columns
        if c.personal_fact
    ]
    return Plan(
        standard.table,
        contract.key,
        [Column(name=n, required=r) for n, r in delivered.items()],
        columns,
        facts,
        personal,
    )


def raw_table_of(contract: Contract) -> str:
    """The raw table a contract's rows land in: its standard's, shared with every other source
    of that standard (GTFS: one table per reference file, transport__gtfs__<file>)."""
    if contract.format == "gtfs":
        return GTFS_TABLE
    return find_standard(contract.standard_id).table


def raw_tables_of(contract: Contract) -> list[str]:
    """Every raw table a contract loads: its standard's, and a GTFS feed's reference tables."""
    tables = [raw_table_of(contract)]
    if contract.format == "gtfs":
        tables += list(gtfs_tables().values())
    return tables


def _gtfs_column(column: Column, namespace: str | None) -> MappedColumn:
    """A reference field as delivered: numeric ones typed, identifiers namespaced."""
    name = quote(column.name)
    value = _typed(name, column.type)
    if namespace and column.type == "varchar" and gtfs.is_identifier(column.name):
        value = f"{literal(namespace + ':')} || {value}"
    return MappedColumn(
        column.name,
        column.type,
        value,
        f"{name} IS NOT NULL AND {_typed(name, column.type)} IS NULL",
        f"type:{column.name}",
        f"value of {column.name} is not a valid {column.type}",
    )


def gtfs_plans(contract: Contract) -> dict[str, Plan]:
    """GTFS maps by the reference: every reference field as delivered, numeric ones typed, the
    feed's identifiers prefixed with the contract's namespace when it has one."""
    plans = {}
    for stem, reference in gtfs.REFERENCE.items():
        columns = reference.columns()
        mapped = [_gtfs_column(c, contract.namespace) for c in columns]
        plans[stem] = Plan(
            gtfs_tables()[stem], contract.key, columns, mapped, report_missing_optional=False
        )
    return plans


def check_binds(plan: Plan) -> None:
    """Binds every mapped column's SQL against an empty delivery in DuckDB, so that an
    expression calling a function with the wrong arguments is found by `contracts check`,
    not by the first night."""
    con = duckdb.connect()
    try:
        empty = ", ".join(f"NULL::VARCHAR AS {quote(c.name)}" for c in plan.delivered) or "1 AS _"
        con.execute(f"create table incoming as select {empty} where false")
        for column in plan.columns:
            try:
                con.execute(f"select {column.value_sql}, {column.failed_sql} from incoming")
            except duckdb.Error as exc:
                message = str(exc).splitlines()[0]
                raise MappingError(f"columns.{column.name}", message) from None
    finally:
        con.close()
