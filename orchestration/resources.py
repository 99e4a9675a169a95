"""Resources: the one place each external system is configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar

from orchestration import warehouse
from orchestration.settings import Paths, citybase_home


class CitybaseHome(ConfigurableResource):
    """CITYBASE_HOME: landing, warehouse, open data and reports all live under it."""

    home: str = ""

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home).resolve() if self.home else citybase_home())

    @contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open only for the duration of one step: DuckDB allows one writer process per file."""
        with warehouse.connect(self.paths.warehouse, read_only=read_only) as con:
            yield con


def default_home() -> CitybaseHome:
    return CitybaseHome(home=EnvVar("CITYBASE_HOME").get_value(""))
