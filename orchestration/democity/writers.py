"""Writers for the formats bureaus deliver in. Every writer is byte-deterministic."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.warehouse import load_extension

ZIP_EPOCH = (2020, 1, 1, 0, 0, 0)


def _chunks(df: pd.DataFrame, malformed_before: dict[int, str]):
    start = 0
    for position in sorted(malformed_before):
        yield df.iloc[start:position], malformed_before[position]
        start = position
    yield df.iloc[start:], None


def write_csv(
    df: pd.DataFrame,
    path: Path,
    encoding: str = "utf-8",
    malformed_before: dict[int, str] | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(",".join(df.columns) + "\n")
        for chunk, bad_line in _chunks(df, malformed_before or {}):
            chunk.to_csv(handle, header=False, index=False, lineterminator="\n")
            if bad_line is not None:
                handle.write(bad_line + "\n")


def write_jsonl(
    df: pd.DataFrame, path: Path, malformed_before: dict[int, str] | None = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = df.astype(object).where(df.notna(), None).to_dict("records")
    bad = malformed_before or {}
    with open(path, "w", encoding="utf-8") as handle:
        for i, record in enumerate(records):
            if i in bad:
                handle.write(bad[i] + "\n")
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, compression="zstd")


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    load_extension(con, "excel")
    con.register("frame", df)
    con.execute(f"COPY frame TO '{path}' (FORMAT xlsx, HEADER true, SHEET '{sheet}')")
    con.close()


def write_zip(members: dict[str, pd.DataFrame], path: Path) -> None:
    """A zip whose bytes depend only on its members (fixed timestamps, sorted order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            buffer = io.StringIO()
            members[name].to_csv(buffer, index=False, lineterminator="\n")
            info = zipfile.ZipInfo(name, ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue().encode("utf-8"))
