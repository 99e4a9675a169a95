"""Resources: the one place each external system is configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext

from orchestration import warehouse
from orchestration.permissions import restrict_process
from orchestration.settings import Paths, citybase_home


class CitybaseHome(ConfigurableResource):
    """CITYBASE_HOME: landing, warehouse, open data and reports all live under it.

    Left empty, the environment's CITYBASE_HOME is read each time a step uses it, so the same
    definitions serve the UI, the headless CLI and tests with their own homes.
    """

    home: str = ""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Every step that touches the home creates private files (see permissions.py)."""
        restrict_process()

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home).resolve() if self.home else citybase_home())

    @contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open only for the duration of one step: DuckDB allows one writer process per file."""
        with warehouse.connect(self.paths.warehouse, read_only=read_only) as con:
            yield con
