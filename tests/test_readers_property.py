"""Property-based tests of the file readers (Hypothesis): generated CSV and JSON-lines files with
random quoting, delimiters and line breaks inside fields, encodings, line endings (LF, CRLF, CR),
blank and malformed lines. For every file: rows read = loaded + quarantined = the records the file
holds, and the loaded rows are what Python's own `csv` / `json` modules parse from the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.landing.readers import TableSpec, read_csv, read_jsonl
from orchestration.standards.model import Column

COLUMNS = ["a", "b", "c"]
SPEC = {
    encoding: TableSpec("t", [Column(name=c) for c in COLUMNS], encoding=encoding)
    for encoding in ("utf-8", "gbk")
}
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Letters, CJK, spaces, the delimiter, quotes and every line break inside field values.
field_text = st.text(alphabet=st.sampled_from([*'ab Z9,"\n\r\t', "江", "城", "é"]), max_size=8)
record = st.lists(field_text, min_size=3, max_size=3)
# Lines that are not a record of three fields, each on one physical line of its own.
malformed = st.sampled_from(["x,y,z,w", "only", '"ab"c,d,e', "1,2"])
line_item = st.one_of(
    record.map(lambda r: ("row", r)),
    malformed.map(lambda m: ("bad", m)),
    st.just(("blank", "")),
)


def _trimmed(value: str) -> str:
    """DuckDB's trim: Unicode space separators (' ', NBSP, the ideographic space) at both ends."""
    start, end = 0, len(value)
    while start < end and unicodedata.category(value[start]) == "Zs":
        start += 1
    while end > start and unicodedata.category(value[end - 1]) == "Zs":
        end -= 1
    return value[start:end]


def _normalised(values: list[str]) -> tuple:
    """How the raw layer stores a delivered value: trimmed, and empty means missing."""
    return tuple(_trimmed(v) or None for v in values)


def _read(reader, path: Path, spec: TableSpec) -> tuple[int, list[tuple], list[int], list[int]]:
    with duckdb.connect() as con:
        result = reader(con, path, spec, path.name)
        loaded = con.execute(
            f"select {', '.join(COLUMNS)}, _row_number from incoming order by _row_number"
        ).fetchall()
        rejected = [r for (r,) in con.execute("select _row_number from rejects").fetchall()]
    return result.rows_read, [row[:-1] for row in loaded], [row[-1] for row in loaded], rejected


@PROPERTY
@given(
    items=st.lists(line_item, max_size=25),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "gbk"]),
    unterminated_at=st.one_of(st.none(), st.integers(min_value=0, max_value=25)),
)
def test_csv_every_record_is_loaded_or_quarantined_and_loaded_as_python_parses_it(
    tmp_path_factory, items, quoting, newline, encoding, unterminated_at
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator=newline)
    writer.writerow(COLUMNS)
    for index, (kind, value) in enumerate(items):
        if index == unterminated_at:
            break
        if kind == "row":
            writer.writerow(value)
        else:
            out.write(value + newline)
    text = body = out.getvalue()
    tail_lines = 0
    if unterminated_at is not None and unterminated_at < len(items):
        # a quote opened and never closed: it swallows every line after it to the end
        tail = '"never closed,' + newline.join(["1,2,3", "4,5,6"][: unterminated_at % 3]) + newline
        text += tail
        tail_lines = len(tail.splitlines())
    path = tmp_path_factory.mktemp("csv") / "delivery.csv"
    path.write_bytes(text.encode("gb18030" if encoding == "gbk" else "utf-8"))

    rows_read, loaded, lines, rejected = _read(read_csv, path, SPEC[encoding])

    well_formed = "".join(  # what Python parses, without the lines malformed on purpose
        line for line in io.StringIO(body, newline="") if not line.startswith('"ab"c')
    )
    records = [r for r in csv.reader(io.StringIO(well_formed, newline="")) if r][1:]
    assert loaded == [_normalised(r) for r in records if len(r) == 3]
    on_purpose = body.count('"ab"c')
    assert rows_read == len(loaded) + len(rejected) == len(records) + on_purpose + tail_lines
    assert len(set(lines) | set(rejected)) == rows_read  # every record has its own line number


json_value = st.one_of(st.none(), st.text(max_size=6))
json_object = st.dictionaries(st.sampled_from(COLUMNS), json_value, max_size=3)
json_item = st.one_of(
    json_object.map(lambda o: ("row", o)),
    st.sampled_from(["{bad", "[1, 2]", '"text"', '{"a": 1']).map(lambda m: ("bad", m)),
    st.sampled_from(["", "   "]).map(lambda b: ("blank", b)),
)


@PROPERTY
@given(
    items=st.lists(json_item, max_size=25),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    ascii_only=st.booleans(),
    final_newline=st.booleans(),
)
def test_json_lines_every_line_is_loaded_or_quarantined_and_loaded_as_python_parses_it(
    tmp_path_factory, items, newline, ascii_only, final_newline
) -> None:
    lines = [
        json.dumps(value, ensure_ascii=ascii_only) if kind == "row" else value
        for kind, value in items
    ]
    text = newline.join(lines) + (newline if final_newline and lines else "")
    path = tmp_path_factory.mktemp("jsonl") / "delivery.jsonl"
    path.write_bytes(text.encode("utf-8"))
    if not text.strip():
        return  # a delivery with nothing in it is the empty-file rule's business

    rows_read, loaded, numbers, rejected = _read(read_jsonl, path, SPEC["utf-8"])

    objects = []
    for line in io.StringIO(text, newline=""):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(_normalised([value.get(c) or "" for c in COLUMNS]))
    assert loaded == objects
    records = sum(kind != "blank" for kind, _ in items)
    assert rows_read == len(loaded) + len(rejected) == records
    assert len(set(numbers) | set(rejected)) == rows_read
