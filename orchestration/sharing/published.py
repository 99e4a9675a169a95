"""What the service offers: the datasets served now under open_data/ (unconditional) and the
conditional share, each with its current release, loaded into an in-memory DuckDB that can
read nothing else; and the private datasets, which are only asked (sharing.dp), never read.

The release files are loaded once per published view; a nightly publish switches the view
(publish.releases), and the next request sees the new one. After loading, external access is
switched off and the configuration locked, so no query can read a file, attach a database or
change a setting. `not_open` datasets are never loaded.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.publish.datasets import OpenDataset, open_datasets
from orchestration.publish.private import PrivateDataset, private_datasets
from orchestration.publish.releases import VIEW, Release, current
from orchestration.settings import Paths
from orchestration.sql import literal, quote

SCHEMA = "published"


@dataclass(frozen=True)
class Served:
    dataset: OpenDataset
    release: Release

    @property
    def id(self) -> str:
        return self.dataset.id

    @property
    def conditional(self) -> bool:
        return self.dataset.openness == "conditional"

    @property
    def fields(self) -> list[tuple[str, str]]:
        """(name, SQL type) of every column, in the file's order."""
        return [(name, sql_type) for name, sql_type in self.release.info["schema"]]

    def file(self, fmt: str) -> Path:
        return self.release.folder / f"{self.id}.{fmt}"


class Offer:
    """The datasets of one published view, and the database they are loaded into."""

    def __init__(self, served: dict[str, Served]):
        self.served = served
        self.db = duckdb.connect(":memory:")
        self.db.execute(f"create schema {SCHEMA}")
        for item in served.values():
            self.db.execute(
                f"create table {SCHEMA}.{quote(item.id)} as "
                f"from read_parquet({literal(str(item.file('parquet')))})"
            )
        self.db.execute("set enable_external_access = false")
        self.db.execute("set lock_configuration = true")

    def get(self, dataset_id: str) -> Served | None:
        return self.served.get(dataset_id)


class Exchange:
    """The current offer, rebuilt when publication switches a view."""

    def __init__(self, paths: Paths):
        self.paths = paths
        self._lock = threading.Lock()
        self._offer: Offer | None = None
        self._views: tuple[str, ...] = ()

    @property
    def private(self) -> dict[str, PrivateDataset]:
        """The person-level datasets, asked only through differentially private queries."""
        return {d.id: d for d in private_datasets()}

    def _current_views(self) -> tuple[str, ...]:
        links = (self.paths.open_data / VIEW, self.paths.conditional_share / VIEW)
        return tuple(os.readlink(p) if p.is_symlink() else "" for p in links)

    def offer(self) -> Offer:
        views = self._current_views()
        with self._lock:
            if self._offer is None or views != self._views:
                self._offer, self._views = Offer(self._served()), views
            return self._offer

    def _served(self) -> dict[str, Served]:
        roots = {"unconditional": self.paths.open_data, "conditional": self.paths.conditional_share}
        served = {}
        for dataset in open_datasets():
            root = roots.get(dataset.openness)
            if root is not None and (release := current(root, dataset.id)) is not None:
                served[dataset.id] = Served(dataset, release)
        return served
