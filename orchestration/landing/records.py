"""Counting a delivery's records without trusting the parser that loads it.

DuckDB's readers are fast but, on a hostile file, can account for fewer records than the file
holds without saying so (an unterminated quote swallows the rest of the file). So every text
delivery is also measured here, from its bytes: its physical lines. A load is accepted only when
every physical line is accounted for, as the header, a loaded or quarantined record, or a blank
line. When DuckDB's reading does not add up, the file is split again by Python's `csv` module in
strict mode, which says where each record starts and ends and where reading broke; the lines it
cannot read are quarantined one by one with the reason.

xlsx sheets are counted from their XML: the rows that hold a value.

Line terminators are LF, CRLF and CR (old Mac files), as Python's universal newlines see them.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from orchestration.landing.errors import DeliveryError

BLOCK = 1 << 22
MAX_FIELD_CHARS = 16 << 20  # a field may be long (10 MB free-text lines are delivered)
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))

# Contract encodings → the names Python's codecs know (GB18030 reads GBK and GB2312 files).
PYTHON_ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "gbk": "gb18030",
    "gb2312": "gb18030",
}


def python_encoding(declared: str) -> str:
    try:
        return PYTHON_ENCODINGS.get(declared.lower(), codecs.lookup(declared).name)
    except LookupError:
        raise DeliveryError("contract", f"unknown encoding '{declared}'") from None


def count_lines(path: Path) -> int:
    """Physical lines in the file: LF, CRLF and lone CR each end one; a last line without a
    terminator counts too. Reads bytes only: no decoding, no parsing. In every encoding a
    contract may declare (UTF-8, GB18030, Latin-1) the bytes CR and LF only ever mean CR and LF."""
    lines, last, pending_cr = 0, b"", False
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            lines += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            if pending_cr and block.startswith(b"\n"):
                lines -= 1  # a CRLF split across two blocks was counted twice
            pending_cr, last = block.endswith(b"\r"), block[-1:]
    return lines + (1 if last and last not in b"\r\n" else 0)


def _decoded_lines(path: Path, encoding: str, file: str) -> Iterator[str]:
    """The file's lines as text, terminators kept; a byte that does not decode fails the delivery
    naming the line (nothing half-decoded is loaded)."""
    line_number = 0
    with open(path, newline="", encoding=python_encoding(encoding)) as handle:
        try:
            for line_number, line in enumerate(handle, start=1):  # noqa: B007
                yield line
        except UnicodeDecodeError as exc:
            raise DeliveryError(
                file,
                f"line {line_number + 1} is not valid {encoding} ({exc.reason}); "
                "check the declared encoding (the contract's `encoding`)",
            ) from None


def first_record(path: Path, encoding: str, file: str) -> list[str]:
    """The header: the file's first CSV record, whatever its line terminator."""
    reader = csv.reader(_decoded_lines(path, encoding, file), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise DeliveryError(file, f"the header row cannot be read as CSV ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise DeliveryError(file, "empty file: no header row")
    return _column_names(header)


def _column_names(header: list[str]) -> list[str]:
    return [h.lstrip("\ufeff").strip() for h in header]


@dataclass
class SplitFile:
    """A CSV file as Python's strict reader splits it."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)  # the line each row starts on
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, why it was not read)
    lines_accounted: int = 0


def split_csv(path: Path, encoding: str, file: str) -> SplitFile:
    """Every record with the line it starts on; every line that could not be read, with why."""
    reader = csv.reader(_decoded_lines(path, encoding, file), strict=True)
    split: SplitFile | None = None
    done = 0  # lines consumed so far
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, last = done + 1, reader.line_num
            why = f"cannot be parsed as CSV ({exc}) in the record starting on line {first}"
            if last > first:
                why += f"; lines {first}–{last} were not read"
            if split is None:
                raise DeliveryError(file, f"the header row {why}") from None
            split.broken += [(line, why) for line in range(first, last + 1)]
            done = last
            continue
        start, done = done + 1, reader.line_num
        if split is None:
            if row and any(v.strip() for v in row):
                split = SplitFile(_column_names(row))
            continue
        if row:  # an empty line is no record
            split.rows.append(row)
            split.row_lines.append(start)
    if split is None:
        raise DeliveryError(file, "empty file: no header row")
    split.lines_accounted = done
    return split


def split_lines(path: Path, encoding: str, file: str) -> tuple[list[int], list[str]]:
    """JSON lines: every non-blank line with its number (for files DuckDB cannot split)."""
    numbers, lines = [], []
    for number, line in enumerate(_decoded_lines(path, encoding, file), start=1):
        if line.strip():
            numbers.append(number)
            lines.append(line.rstrip("\r\n"))
    return numbers, lines


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def count_sheet_rows(path: Path, sheet: str, file: str) -> int:
    """Rows of an xlsx sheet that hold at least one value, header included, read from the
    sheet's XML inside the zip (not through the reader that loads it)."""
    try:
        with zipfile.ZipFile(path) as book:
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            rel_id = next(
                (
                    s.get(f"{RELS_NS}id")
                    for s in workbook.iter(f"{SHEET_NS}sheet")
                    if s.get("name") == sheet
                ),
                None,
            )
            if rel_id is None:
                raise DeliveryError(file, f"the workbook has no sheet named {sheet!r}")
            target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            rows = 0
            with book.open(member) as xml:
                for _, element in ElementTree.iterparse(xml):
                    if element.tag == f"{SHEET_NS}row":
                        rows += any(
                            (v.text or "").strip()
                            for v in element.iter()
                            if v.tag in (f"{SHEET_NS}v", f"{SHEET_NS}t")
                        )
                        element.clear()
            return rows
    except (zipfile.BadZipFile, KeyError, StopIteration, ElementTree.ParseError) as exc:
        raise DeliveryError(file, f"not a readable xlsx workbook ({type(exc).__name__})") from None
