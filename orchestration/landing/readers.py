"""Readers: turn one landed file into the temp table `incoming` (one VARCHAR column per contract
column plus `_row_number`, the row's line or position in the file) and the temp table `rejects`
(rows that could not be parsed, with the rule and the reason).

DuckDB's own readers do the parsing; its CSV rejects table gives the line and the error of every
malformed line, so the rest of the file still loads. What they read is checked against the
file's own count of records (records.py): a reading that does not account for every record is
redone by Python's strict csv module (CSV, JSON lines) or fails the delivery (Parquet, xlsx).
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.landing.errors import DeliveryError
from orchestration.landing.records import (
    BLOCK,
    count_lines,
    count_sheet_rows,
    first_record,
    python_encoding,
    split_csv,
    split_lines,
)
from orchestration.privacy import WITHHELD, mask_sql, mask_text
from orchestration.settings import TIMEZONE
from orchestration.sql import literal, quote
from orchestration.standards.model import Column
from orchestration.warehouse import load_extension


@dataclass(frozen=True)
class TableSpec:
    """What the reader needs to know of one table: its columns and how the file is encoded."""

    raw_table: str
    columns: Sequence[Column]
    personal_data: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    timezone: str = TIMEZONE
    sheet: str | None = None
    max_reject_share: float = 0.5
    report_missing_optional: bool = True  # GTFS: absent optional fields are normal, not drift


@dataclass
class ReadResult:
    rows_read: int
    drift: list[str]


UNNAMED = "names not shown: the dataset holds personal data"


def shown_names(present: Sequence[str], spec: TableSpec) -> list[str]:
    """Delivered column names as a message may quote them. A file without its header row offers
    its first record as names: where the dataset holds personal data only the contract's own
    names are quoted; elsewhere identifiers in the names are masked."""
    if not spec.personal_data:
        return [mask_text(name) for name in present]
    known = {c.name for c in spec.columns}
    hidden = sum(name not in known for name in present)
    return [name for name in present if name in known] + [f"{hidden} more ({UNNAMED})"] * bool(
        hidden
    )


def record_sql(expression: str, spec: TableSpec) -> str:
    """SQL: a record the parser could not split, as the quarantine keeps it. Where the dataset
    holds personal data it is withheld whole: any part of it may be an identifier."""
    return literal(WITHHELD) if spec.personal_data else mask_sql(expression, False)


def _select_columns(
    present: Sequence[str], spec: TableSpec, file: str, source: Callable[[str], str]
) -> tuple[str, list[str]]:
    """The SELECT list mapping delivered columns onto the contract's; drift is reported, a
    missing required column rejects the file."""
    missing_required = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing_required:
        raise DeliveryError(
            file,
            f"missing required column(s) {missing_required}; delivered columns are "
            f"{shown_names(present, spec)} (is the header row missing?)",
        )
    drift = [
        f"missing optional column '{c.name}' (loaded as empty)"
        for c in spec.columns
        if c.name not in present and spec.report_missing_optional
    ]
    known = {c.name for c in spec.columns}
    extra = [name for name in present if name not in known]
    if spec.personal_data and extra:
        drift.append(f"{len(extra)} extra column(s) not in the contract (ignored; {UNNAMED})")
    else:
        drift += [f"extra column '{mask_text(n)}' not in the contract (ignored)" for n in extra]
    select = ", ".join(
        f"nullif(trim({source(c.name)}), '') AS {quote(c.name)}"
        if c.name in present
        else f"NULL::VARCHAR AS {quote(c.name)}"
        for c in spec.columns
    )
    return select, drift


def create_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table rejects (_row_number bigint, rule varchar, "
        "reason varchar, record varchar)"
    )


@contextmanager
def utf8_copy(path: Path, declared: str) -> Iterator[Path | None]:
    """The file as DuckDB's readers take it, in UTF-8: a file in another encoding (GBK,
    GB18030, Latin-1) is decoded by Python's codecs into a temporary copy, line terminators and
    all, about 0.03 s per 4 MB, where DuckDB's own encodings extension (ICU, 352 MB) costs 1.1 s
    to load in every connection. None when a byte does not decode: the strict reading then
    names the line."""
    encoding = python_encoding(declared)
    if encoding == "utf-8-sig":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="citybase-utf8-") as folder:
        copy = Path(folder) / path.name
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with path.open("rb") as source, copy.open("wb") as target:
                for block in iter(lambda: source.read(BLOCK), b""):
                    target.write(decoder.decode(block).encode("utf-8"))
                target.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError:
            yield None
            return
        yield copy


def _scan_csv(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, header: list[str]
) -> tuple[int, pd.DataFrame] | None:
    """DuckDB's fast reading into `_csv`, in the file's order, or None when it cannot read the
    file (mixed line terminators, an encoding error: the strict split then says where)."""
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
    with utf8_copy(path, spec.encoding) as text:
        if text is None:
            return None
        try:
            con.execute(f"""
                create or replace temp table _csv as select * from read_csv({literal(str(text))},
                    header = true, auto_detect = false, columns = {columns}, delim = ',',
                    quote = '"', escape = '"', store_rejects = true, rejects_table = '_csv_rejects',
                    rejects_scan = '_csv_scan', ignore_errors = true, parallel = false,
                    null_padding = false, max_line_size = 10000000)""")
        except duckdb.Error:
            return None
    rejected = con.execute("""
        select line, string_agg(distinct error_type, '; ') as rule,
               first(error_message) as reason, first(csv_line) as record
        from _csv_rejects group by line order by line""").df()
    con.execute("drop table _csv_rejects; drop table _csv_scan")
    return con.execute("select count(*) from _csv").fetchone()[0], rejected


def _one_line_per_record(
    con: duckdb.DuckDBPyConnection,
    header: list[str],
    lines: int,
    n_ok: int,
    rejected: pd.DataFrame,
) -> np.ndarray | None:
    """The line of each row DuckDB read, when its reading accounts for every physical line with
    one record per line (the common case); None otherwise."""
    if n_ok + len(rejected) != lines - 1:
        return None
    breaks = " or ".join(
        f"contains({quote(h)}, chr(10)) or contains({quote(h)}, chr(13))" for h in header
    )
    if con.execute(f"select count(*) from _csv where {breaks}").fetchone()[0]:
        return None  # a field spans lines: the count above proves nothing
    taken = np.setdiff1d(np.arange(2, lines + 1), rejected["line"].to_numpy())
    return taken if len(taken) == n_ok else None


def _strict_split(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str, lines: int
) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """Python's strict CSV reading into `_csv`: the line of each row kept, the header, and the
    records that cannot be loaded (a wrong field count, lines that cannot be parsed)."""
    split = split_csv(path, spec.encoding, file)
    if split.lines_accounted != lines:
        raise DeliveryError(
            file,
            f"the file has {lines} lines but only {split.lines_accounted} could be accounted "
            "for; it was not loaded (this is a bug in citybase: please report it)",
        )
    width = len(split.header)
    good = [i for i, row in enumerate(split.rows) if len(row) == width]
    bad = [
        {
            "line": split.row_lines[i],
            "rule": "TOO MANY COLUMNS" if len(row) > width else "MISSING COLUMNS",
            "reason": f"expected {width} fields, found {len(row)}",
            "record": ",".join(row),
        }
        for i, row in enumerate(split.rows)
        if len(row) != width
    ]
    bad += [
        {"line": line, "rule": "UNPARSABLE", "reason": why, "record": None}
        for line, why in split.broken
    ]
    table = {
        name: pa.array([split.rows[i][j] for i in good], pa.string())
        for j, name in enumerate(split.header)
    }
    con.register("_split", pa.table(table))
    con.execute("create or replace temp table _csv as select * from _split")
    con.unregister("_split")
    rejected = pd.DataFrame(bad, columns=["line", "rule", "reason", "record"])
    return np.array([split.row_lines[i] for i in good], dtype=np.int64), split.header, rejected


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str) -> ReadResult:
    """DuckDB reads; the file's own line count checks it. When the two disagree, Python's strict
    reader splits the file again and every line it cannot read is quarantined by number."""
    header = first_record(path, spec.encoding, file)
    if len(set(header)) != len(header):
        raise DeliveryError(file, f"the header names a column twice: {shown_names(header, spec)}")
    lines = count_lines(path)
    scanned = _scan_csv(con, path, spec, header)
    taken = _one_line_per_record(con, header, lines, *scanned) if scanned else None
    if taken is not None:
        rejected = scanned[1]
    else:
        taken, header, rejected = _strict_split(con, path, spec, file, lines)
    select, drift = _select_columns(header, spec, file, quote)
    create_rejects(con)
    # Row i of `_csv` is the record on line taken[i]: paired by position (both are in the file's
    # order), with no join on a key and no sort.
    con.register("_line_map", pa.table({"_line": taken}))
    con.execute(f"""create or replace temp table incoming as
        select {select}, m._line as _row_number from _csv positional join _line_map m""")
    con.unregister("_line_map")
    con.register("_csv_rejected", rejected)
    con.execute(f"""insert into rejects select line, 'malformed_line:' || lower(rule), reason,
        {record_sql("record", spec)} from _csv_rejected""")
    con.unregister("_csv_rejected")
    con.execute("drop table _csv")
    return ReadResult(len(taken) + len(rejected), drift)


def _duckdb_lines(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, lines: int) -> bool:
    """DuckDB splits the file's lines into `_lines` (numbered); False when it cannot, or when it
    does not find the file's own count of lines."""
    with utf8_copy(path, spec.encoding) as text:
        if text is None:
            return False
        try:
            con.execute(f"""
                create or replace temp table _lines as select row_number() over () as _row_number,
                line from read_csv({literal(str(text))}, columns = {{'line': 'VARCHAR'}},
                    header = false, auto_detect = false, delim = '\x1f', quote = '', escape = '',
                    parallel = false, max_line_size = 10000000)""")
        except duckdb.Error:
            return False
    return con.execute("select count(*) from _lines").fetchone()[0] == lines


def read_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str
) -> ReadResult:
    """One JSON object per physical line; blank lines are no record. DuckDB splits the lines,
    checked against the file's own count; Python splits them when the two disagree."""
    lines = count_lines(path)
    create_rejects(con)
    if not _duckdb_lines(con, path, spec, lines):
        numbers, texts = split_lines(path, spec.encoding, file)
        con.register("_split", pa.table({"_row_number": numbers, "line": texts}))
        con.execute("create or replace temp table _lines as select * from _split")
        con.unregister("_split")
    con.execute("delete from _lines where line is null or trim(line) = ''")
    con.execute(f"""insert into rejects select _row_number, 'malformed_line',
        'not a JSON object', {record_sql("line", spec)}
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
        present,
        spec,
        file,
        lambda name: f"json_extract_string(line, {literal('$.' + quote(name))})",
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
    con: duckdb.DuckDBPyConnection,
    source: str,
    spec: TableSpec,
    file: str,
    row_column: str | None = None,
) -> ReadResult:
    """Parquet, xlsx and API pages: typed, structured sources where every row that reads is a
    row, numbered in source order or taken from the source's `row_column`. A time-zone-aware
    timestamp is read as the feed's local time (the contract's time zone)."""
    create_rejects(con)
    try:
        described = con.execute(f"describe select * from {source}").fetchall()
        types = {name: sql_type for name, sql_type, *_ in described if name != row_column}

        def as_text(name: str) -> str:
            if types[name] == "TIMESTAMP WITH TIME ZONE":
                return f"cast(timezone({literal(spec.timezone)}, {quote(name)}) as varchar)"
            return f"cast({quote(name)} as varchar)"

        select, drift = _select_columns(list(types), spec, file, as_text)
        number = quote(row_column) if row_column else "row_number() over ()"
        con.execute(f"""create or replace temp table incoming as
            select {select}, {number} as _row_number from {source}""")
    except duckdb.Error as exc:
        why = type(exc).__name__ if spec.personal_data else str(exc)  # may quote a value
        raise DeliveryError(file, f"cannot be read: {why}") from None
    return ReadResult(con.execute("select count(*) from incoming").fetchone()[0], drift)


def read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str
) -> ReadResult:
    """The file's footer says how many rows it holds; the read must account for all of them."""
    result = _read_table_function(con, f"read_parquet({literal(str(path))})", spec, file)
    try:
        held = pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise DeliveryError(file, f"cannot be read as Parquet ({type(exc).__name__})") from None
    if held != result.rows_read:
        raise DeliveryError(
            file, f"the file holds {held} rows but {result.rows_read} were read; nothing loaded"
        )
    return result


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, file: str) -> ReadResult:
    """Every row of the sheet, empty rows inside the table included (DuckDB's reader would stop
    at the first one, silently); rows without a value are no record. The sheet's own XML says
    how many rows hold values, and the read must account for all of them."""
    load_extension(con, "excel")
    sheet = literal(spec.sheet or "")
    numbered = (
        "(select row_number() over () + 1 as __sheet_row, * from read_xlsx("
        f"{literal(str(path))}, sheet = {sheet}, all_varchar = true, header = true, "
        "stop_at_empty = false))"
    )
    try:
        names = [r[0] for r in con.execute(f"describe select * from {numbered}").fetchall()]
    except duckdb.Error as exc:
        raise DeliveryError(file, f"cannot be read as xlsx ({type(exc).__name__})") from None
    values = ", ".join(quote(n) for n in names if n != "__sheet_row")
    source = f"(select * from {numbered} where coalesce({values}, NULL) is not null)"
    result = _read_table_function(con, source, spec, file, row_column="__sheet_row")
    held = count_sheet_rows(path, spec.sheet or "", file) - 1  # less the header row
    if result.rows_read != held:
        raise DeliveryError(
            file,
            f"sheet {spec.sheet!r} holds {held} rows with values but {result.rows_read} were "
            "read; nothing loaded",
        )
    return result


def read_records(
    con: duckdb.DuckDBPyConnection, records: list[dict], spec: TableSpec, file: str
) -> ReadResult:
    """Rows that arrived as JSON objects (a REST API's pages); row number = position served."""
    if not records:
        return _empty(con, spec)
    con.register("_records", pd.DataFrame.from_records(records).astype("string"))
    try:
        return _read_table_function(con, "_records", spec, file)
    finally:
        con.unregister("_records")


def _empty(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> ReadResult:
    create_rejects(con)
    cols = ", ".join(f"NULL::VARCHAR AS {quote(c.name)}" for c in spec.columns)
    con.execute(
        f"create or replace temp table incoming as select {cols}, 0::BIGINT as "
        "_row_number where false"
    )
    return ReadResult(0, [])
