"""Readers: turn one landed file into the temp table `incoming` (one VARCHAR column per contract
column plus `_row_number`, the row's line or position in the file) and the temp table `rejects`
(rows that could not be parsed, with the rule and the reason).

DuckDB's own readers do the parsing; its CSV rejects table gives the line and the error of every
malformed line, so the rest of the file still loads.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.contracts.model import Column
from orchestration.landing.errors import DeliveryError
from orchestration.warehouse import load_extension

# Contract encodings → the ICU names DuckDB's encodings extension knows. GB18030 is a superset
# of GBK and GB2312, so it reads files declared as either.
ICU_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "latin-1": "latin-1",
}
MASK_DIGITS = r"[0-9]{6,}[0-9Xx]?"
MASK_PSEUDONYMS = r"[0-9a-f]{32,}"


@dataclass(frozen=True)
class TableSpec:
    """What the reader needs to know of one table: its columns and how the file is encoded."""

    raw_table: str
    columns: Sequence[Column]
    personal_data: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    sheet: str | None = None
    max_reject_share: float = 0.5
    report_missing_optional: bool = True  # GTFS: absent optional fields are normal, not drift


@dataclass
class ReadResult:
    rows_read: int
    drift: list[str]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def mask_sql(expression: str, personal: bool) -> str:
    """A record as it may be shown in reports: pseudonyms and long digit runs always masked, and
    CJK text too where the dataset holds personal data (names cannot be told from other text)."""
    hidden = f"regexp_replace(left({expression}, 500), '{MASK_PSEUDONYMS}', '<pseudonym>', 'g')"
    masked = f"regexp_replace({hidden}, '{MASK_DIGITS}', '******', 'g')"
    if personal:
        masked = f"regexp_replace({masked}, '[\\x{{4e00}}-\\x{{9fff}}]', '*', 'g')"
    return masked


def _select_columns(
    present: Sequence[str], spec: TableSpec, file: str, source: Callable[[str], str]
) -> tuple[str, list[str]]:
    """The SELECT list mapping delivered columns onto the contract's; drift is reported, a
    missing required column rejects the file."""
    missing_required = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing_required:
        raise DeliveryError(
            file,
            f"missing required column(s) {missing_required}; delivered columns are {list(present)}",
        )
    drift = [
        f"missing optional column '{c.name}' (loaded as empty)"
        for c in spec.columns
        if c.name not in present and spec.report_missing_optional
    ]
    known = {c.name for c in spec.columns}
    drift += [
        f"extra column '{name}' not in the contract (ignored)"
        for name in present
        if name not in known
    ]
    select = ", ".join(
        f"nullif(trim({source(c.name)}), '') AS {quote(c.name)}"
        if c.name in present
        else f"NULL::VARCHAR AS {quote(c.name)}"
        for c in spec.columns
    )
    return select, drift


def _create_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table rejects (_row_number bigint, rule varchar, "
        "reason varchar, record varchar)"
    )


def _header(path: Path, encoding: str, file: str) -> list[str]:
    with open(path, "rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise DeliveryError(file, "empty file: no header row")
    try:
        text = first.decode(codecs.lookup(encoding).name).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError) as exc:
        raise DeliveryError(
            file, f"the header is not valid {encoding} ({exc}); is the contract's encoding right?"
        ) from None
    header = next(csv.reader([text]))
    if len(set(header)) != len(header):
        raise DeliveryError(file, f"the header names a column twice: {header}")
    return [h.strip() for h in header]


def _duckdb_encoding(con: duckdb.DuckDBPyConnection, declared: str) -> str:
    encoding = ICU_ENCODINGS.get(declared.lower(), declared)
    if encoding != "utf-8":
        load_extension(con, "encodings")
    return encoding


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str) -> ReadResult:
    encoding = _duckdb_encoding(con, spec.encoding)
    header = _header(path, spec.encoding, file)
    select, drift = _select_columns(header, spec, file, quote)
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
    _create_rejects(con)
    try:
        con.execute(f"""
            create or replace temp table _csv as
            select row_number() over () as _ordinal, * from read_csv({literal(str(path))},
                header = true, auto_detect = false, columns = {columns}, delim = ',',
                quote = '"', escape = '"', encoding = {literal(encoding)},
                store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scan',
                ignore_errors = true, parallel = false, null_padding = false,
                max_line_size = 10000000)""")
    except duckdb.Error as exc:
        raise DeliveryError(file, f"cannot be read as {spec.encoding} CSV: {exc}") from None
    rejected = con.execute("""
        select line, string_agg(distinct error_type, '; ') as rule,
               first(error_message) as reason, first(csv_line) as record
        from _csv_rejects group by line order by line""").df()
    n_ok = con.execute("select count(*) from _csv").fetchone()[0]
    lines = np.setdiff1d(np.arange(2, n_ok + len(rejected) + 2), rejected["line"].to_numpy())
    if len(lines) != n_ok:  # blank lines or multi-line fields: fall back to data-row order
        lines = np.arange(2, n_ok + 2)
    con.register("_line_map", pa.table({"_ordinal": np.arange(1, n_ok + 1), "_line": lines}))
    con.execute(f"""create or replace temp table incoming as
        select {select}, m._line as _row_number
        from _csv join _line_map m using (_ordinal) order by m._line""")
    con.unregister("_line_map")
    con.register("_csv_rejected", rejected)
    con.execute(f"""insert into rejects select line, 'malformed_line:' || lower(rule), reason,
        {mask_sql("record", bool(spec.personal_data))} from _csv_rejected""")
    con.unregister("_csv_rejected")
    con.execute("drop table _csv; drop table _csv_rejects; drop table _csv_scan")
    return ReadResult(n_ok + len(rejected), drift)


def read_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str
) -> ReadResult:
    encoding = _duckdb_encoding(con, spec.encoding)
    _create_rejects(con)
    try:
        con.execute(f"""
            create or replace temp table _lines as
            select row_number() over () as _row_number, line from read_csv({literal(str(path))},
                columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                delim = '\x1f', quote = '', escape = '', encoding = {literal(encoding)},
                parallel = false, max_line_size = 10000000)""")
    except duckdb.Error as exc:
        raise DeliveryError(file, f"cannot be read as {spec.encoding} JSON lines: {exc}") from None
    con.execute("delete from _lines where line is null or trim(line) = ''")
    con.execute(f"""insert into rejects select _row_number, 'malformed_line',
        'not a JSON object', {mask_sql("line", bool(spec.personal_data))}
        from _lines
        where not (CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END)""")
    con.execute("delete from _lines where _row_number in (select _row_number from rejects)")
    present = [
        k
        for (k,) in con.execute(
            "select distinct unnest(json_keys(line)) from _lines order by 1"
        ).fetchall()
    ]
    select, drift = _select_columns(
        present, spec, file, lambda name: f"json_extract_string(line, {literal('$.' + name)})"
    )
    con.execute(
        f"create or replace temp table incoming as select {select}, _row_number "
        "from _lines order by _row_number"
    )
    rows = con.execute("select count(*) from _lines").fetchone()[0]
    rejected = con.execute("select count(*) from rejects").fetchone()[0]
    con.execute("drop table _lines")
    return ReadResult(rows + rejected, drift)


def _read_table_function(
    con: duckdb.DuckDBPyConnection, source: str, spec: TableSpec, file: str, first_row: int
) -> ReadResult:
    """Parquet and xlsx: typed, structured files where every row that reads is a row."""
    _create_rejects(con)
    try:
        present = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
        select, drift = _select_columns(
            present, spec, file, lambda name: f"cast({quote(name)} as varchar)"
        )
        con.execute(f"""create or replace temp table incoming as
            select {select}, row_number() over () + {first_row - 1} as _row_number
            from {source}""")
    except duckdb.Error as exc:
        raise DeliveryError(file, f"cannot be read: {exc}") from None
    return ReadResult(con.execute("select count(*) from incoming").fetchone()[0], drift)


def read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str
) -> ReadResult:
    return _read_table_function(con, f"read_parquet({literal(str(path))})", spec, file, 1)


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str) -> ReadResult:
    load_extension(con, "excel")
    source = (
        f"read_xlsx({literal(str(path))}, sheet = {literal(spec.sheet or '')}, "
        "all_varchar = true, header = true)"
    )
    return _read_table_function(con, source, spec, file, 2)


def read_records(
    con: duckdb.DuckDBPyConnection, records: list[dict], spec: TableSpec, file: str
) -> ReadResult:
    """Rows that arrived as JSON objects (a REST API's pages); row number = position served."""
    if not records:
        return _empty(con, spec)
    con.register("_records", pd.DataFrame.from_records(records).astype("string"))
    try:
        return _read_table_function(con, "_records", spec, file, 1)
    finally:
        con.unregister("_records")


def _empty(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> ReadResult:
    _create_rejects(con)
    cols = ", ".join(f"NULL::VARCHAR AS {quote(c.name)}" for c in spec.columns)
    con.execute(
        f"create or replace temp table incoming as select {cols}, 0::BIGINT as "
        "_row_number where false"
    )
    return ReadResult(0, [])
