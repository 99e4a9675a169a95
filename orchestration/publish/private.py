"""Person-level data that never leaves (可用不可见): the models under models/private/ that
declare `meta.private_data`, and the private lake the build writes them to.

The lake is one Parquet file per dataset and day, `<home>/private/<id>/date_day=<day>/`, in
folders only the platform's user (and CITYBASE_GROUP: the sharing service) may read, as the
build's umask makes everything under CITYBASE_HOME (orchestration.permissions). Each night
rewrites only the days it rebuilt (the run date and the day before, as the incremental models
do, and every day that a row delivered tonight falls on), each by an atomic rename, so a night
costs what its data costs, not what the history holds. The sharing service reads the lake and
answers aggregate questions of it with differential privacy (orchestration/sharing/dp.py); no
file of it is ever served.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from orchestration.integrations.dbt.project import ensure_manifest, model_meta
from orchestration.integrations.dbt.translator import CitybaseTranslator
from orchestration.sql import literal, quote

DAY_COLUMN = "date_day"


@dataclass(frozen=True)
class PrivateDataset:
    id: str
    model: str
    relation: str  # schema.table in the warehouse
    bureau: str
    title: str
    title_en: str
    description: str
    description_en: str
    identifier: str  # the column of the privacy unit: a person's pseudonym
    dimensions: tuple[str, ...]  # columns a question may group by or filter on
    measures: dict[str, tuple[float, float]]  # column -> clamping bounds
    max_rows_per_group: int
    max_groups: int
    min_count: int
    columns: dict[str, str]  # name -> description

    @property
    def fields(self) -> tuple[str, ...]:
        """What a grant may cover: every column a question can use (never the identifier)."""
        return (*self.dimensions, *self.measures)


def _private(node: dict, translator: CitybaseTranslator) -> PrivateDataset:
    meta = model_meta(node)["private_data"]
    measures = {name: (float(lo), float(hi)) for name, (lo, hi) in meta["measures"].items()}
    dataset = PrivateDataset(
        id=meta["id"],
        model=node["name"],
        relation=f"{node['schema']}.{node['alias']}",
        bureau=translator.get_tags(node)["bureau"],
        title=meta["title"],
        title_en=meta["title_en"],
        description=meta["description"],
        description_en=meta["description_en"],
        identifier=meta["identifier"],
        dimensions=tuple(meta["dimensions"]),
        measures=measures,
        max_rows_per_group=int(meta["max_rows_per_group"]),
        max_groups=int(meta["max_groups"]),
        min_count=int(meta["min_count"]),
        columns={name: col.get("description", "") for name, col in node["columns"].items()},
    )
    declared = {dataset.identifier, *dataset.fields}
    if undocumented := declared - set(dataset.columns):
        raise ValueError(
            f"{dataset.model}: meta.private_data names {', '.join(sorted(undocumented))}, "
            "which the model's YAML does not document"
        )
    if missing := {DAY_COLUMN, "delivery_date"} - set(dataset.columns):
        raise ValueError(
            f"{dataset.model}: a private model needs the columns {', '.join(sorted(missing))} "
            "(the lake is written by day, and re-written where a delivery changed a day)"
        )
    return dataset


@cache
def _load(manifest_path: Path) -> tuple[PrivateDataset, ...]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    translator = CitybaseTranslator()
    return tuple(
        _private(node, translator)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "private_data" in model_meta(node)
    )


def private_datasets() -> tuple[PrivateDataset, ...]:
    return _load(ensure_manifest())


def lake(home: Path) -> Path:
    return home / "private"


def dataset_folder(home: Path, dataset: PrivateDataset) -> Path:
    return lake(home) / dataset.id


def _days_to_write(con: duckdb.DuckDBPyConnection, relation: str, night: dt.date) -> list[dt.date]:
    """The days this night may have changed: those the incremental models rebuild (the night
    and the day before: journeys of the day before that alight after midnight) and every day
    a row of tonight's deliveries falls on."""
    written = {night, night - dt.timedelta(days=1)}
    late = con.execute(
        f"select distinct {DAY_COLUMN} from {relation} where delivery_date = ?", [night]
    ).fetchall()
    return sorted(written | {row[0] for row in late})


def write_lake(con: duckdb.DuckDBPyConnection, home: Path, night: dt.date) -> dict[str, int]:
    """Rewrites the private lake's files of the days this night changed; returns the rows
    written per dataset (a model the build did not create is left as it was). A day with no
    rows any more loses its file."""
    lake(home).mkdir(parents=True, exist_ok=True)
    built = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, view_name from duckdb_views() where not internal union all "
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }
    written: dict[str, int] = {}
    for dataset in private_datasets():
        if dataset.relation not in built:  # a build that failed before creating it
            continue
        folder = dataset_folder(home, dataset)
        folder.mkdir(exist_ok=True)
        first = not any(folder.iterdir())
        days = (
            [
                row[0]
                for row in con.execute(
                    f"select distinct {DAY_COLUMN} from {dataset.relation} order by 1"
                ).fetchall()
            ]
            if first
            else _days_to_write(con, dataset.relation, night)
        )
        written[dataset.id] = sum(_write_day(con, dataset, folder, day) for day in days)
    return written


def _write_day(
    con: duckdb.DuckDBPyConnection, dataset: PrivateDataset, folder: Path, day: dt.date
) -> int:
    target = folder / f"{DAY_COLUMN}={day.isoformat()}"
    staged = folder / f".{target.name}.next"
    shutil.rmtree(staged, ignore_errors=True)
    columns = ", ".join(quote(c) for c in (dataset.identifier, *dataset.fields) if c != DAY_COLUMN)
    rows = con.execute(
        f"select count(*) from {dataset.relation} where {DAY_COLUMN} = ?", [day]
    ).fetchone()[0]
    if rows == 0:
        shutil.rmtree(target, ignore_errors=True)
        return 0
    staged.mkdir()
    con.execute(
        f"copy (select {columns} from {dataset.relation} where {DAY_COLUMN} = "
        f"{literal(day.isoformat())}::date) to {literal(str(staged / 'data.parquet'))} "
        "(format parquet)"
    )
    if target.exists():
        retired = folder / f".{target.name}.old"
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(target, retired)
        os.replace(staged, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staged, target)
    return rows
