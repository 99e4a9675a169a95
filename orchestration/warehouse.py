"""The DuckDB warehouse: one place that opens it and loads the bundled extensions.

DuckDB cannot download extensions here; the encodings (GBK/GB18030 CSV) and excel (xlsx)
extensions come from their PyPI wheels, which hold the extension file for this DuckDB version.
Loading one costs most of a second, so readers load only the one they need, when they need it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.errors import CitybaseError

MEMORY_LIMIT_VARIABLE = "CITYBASE_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
EXTENSION_MODULES = {"encodings": "duckdb_extension_encodings", "excel": "duckdb_extension_excel"}


def _extension_file(module_name: str) -> Path:
    package_dir = Path(importlib.import_module(module_name).__file__).parent
    version = duckdb.__version__
    path = package_dir / "extensions" / f"v{version}"
    files = list(path.glob("*.duckdb_extension"))
    if not files:
        raise RuntimeError(
            f"{module_name} holds no extension for duckdb {version} under {path}; "
            "reinstall with `make install` so that both come from requirements.lock"
        )
    return files[0]


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Loads a bundled extension ('encodings' or 'excel') unless the connection has it already."""
    loaded = con.execute(
        "select count(*) from duckdb_extensions() where extension_name = ? and loaded", [name]
    ).fetchone()[0]
    if not loaded:
        con.execute(f"LOAD '{_extension_file(EXTENSION_MODULES[name])}'")


def memory_limit() -> str:
    """DuckDB's memory limit for the warehouse (CITYBASE_DUCKDB_MEMORY_LIMIT, default 4GB), past
    which it spills to disk. DuckDB's own default is 80 % of the machine's memory, which let a
    SF10 night's extract grow to 10 GiB; the dbt profile reads the same variable."""
    return os.environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)


class WarehouseBusy(CitybaseError, RuntimeError):
    """Another process holds the warehouse's write lock (a night's build, say)."""


@contextmanager
def connect(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection closed on exit, so that the file lock is held no longer than needed."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(path), read_only=read_only, config={"memory_limit": memory_limit()}
        )
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"{path} is being written by another process (a nightly build or a backfill?); "
            "run this again when it has finished (`dagster` shows the runs in progress)"
        ) from None
    try:
        yield con
    finally:
        con.close()
