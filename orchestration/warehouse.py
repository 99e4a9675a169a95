"""The DuckDB warehouse: one place that opens it, loads the bundled extensions and SQL macros.

DuckDB cannot download extensions here; the encodings (GBK/GB18030 CSV) and excel (xlsx)
extensions come from their PyPI wheels, which hold the extension file for this DuckDB version.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

BUNDLED_EXTENSIONS = ("duckdb_extension_encodings", "duckdb_extension_excel")


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


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for module_name in BUNDLED_EXTENSIONS:
        con.execute(f"LOAD '{_extension_file(module_name)}'")


@contextmanager
def connect(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the bundled extensions loaded; closed on exit so the file lock is freed."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        load_extensions(con)
        yield con
    finally:
        con.close()
