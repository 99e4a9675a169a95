"""The warehouse built on Spark, read through DuckDB (docs/operations.md, "Scaling out").

`CITYBASE_ENGINE=spark` points the nightly build at the profile's `spark` target: the same dbt
models, built by Spark from the raw lake (landing/lake.py) into Parquet tables under
<home>/lake/spark/<schema>.db/<table>/. Everything downstream of the build (publish, reports,
the analyst snapshot, the private lake) keeps reading the DuckDB warehouse: after the build,
each table Spark wrote becomes a view there over its Parquet files, under the same schema and
name, its columns in the order the model's YAML documents them (Spark moves partition columns
to the end). Views Spark keeps only in its metastore (staging) are not exposed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

from orchestration.sql import literal, quote

ENGINE_VARIABLE = "CITYBASE_ENGINE"
ENGINE_TARGETS = {"duckdb": "night", "spark": "spark"}  # engine -> dbt profile target
SPARK_TARGET = ENGINE_TARGETS["spark"]
# Before each Spark build: the raw lake's folders as external tables, partitions found again.
REGISTER_RAW_LAKE = ["run-operation", "register_raw_lake"]


def engine_target(environ: Mapping[str, str] = os.environ) -> str:
    """The dbt target of the engine the operator chose (DuckDB, the embedded default)."""
    engine = environ.get(ENGINE_VARIABLE, "duckdb").strip().lower()
    if engine not in ENGINE_TARGETS:
        raise ValueError(
            f"{ENGINE_VARIABLE}={engine!r} is not an engine citybase builds on: set it to "
            f"{' or '.join(ENGINE_TARGETS)} (docs/operations.md, Scaling out)"
        )
    return ENGINE_TARGETS[engine]


def spark_warehouse(home: Path) -> Path:
    """Where Spark writes its tables (profiles.yml: spark.sql.warehouse.dir)."""
    return home / "lake" / "spark"


def table_folder(warehouse: Path, schema: str, name: str) -> Path:
    return warehouse / f"{schema}.db" / name


def expose_spark_tables(
    con: duckdb.DuckDBPyConnection, warehouse: Path, manifest: dict
) -> list[str]:
    """Makes each model Spark materialised as files a DuckDB view over them (replacing the
    relation of the same name); returns the relations exposed, as schema.name."""
    tables = {
        (schema, name)
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }
    exposed = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        schema, name = node["schema"], node["alias"]
        folder = table_folder(warehouse, schema, name)
        if not any(folder.rglob("*.parquet")):  # a view (metastore only), or not built
            continue
        files = (
            f"read_parquet({literal(str(folder / '**' / '*.parquet'))}, hive_partitioning = true)"
        )
        relation = f"{quote(schema)}.{quote(name)}"
        con.execute(f"create schema if not exists {quote(schema)}")
        if (schema, name) in tables:
            con.execute(f"drop table {relation}")
        columns = _in_documented_order(con, files, node)
        con.execute(
            f"create or replace view {relation} as select "
            f"{', '.join(quote(c) for c in columns)} from {files}"
        )
        _describe(con, relation, node, columns)
        exposed.append(f"{schema}.{name}")
    return exposed


def _describe(
    con: duckdb.DuckDBPyConnection, relation: str, node: dict, columns: list[str]
) -> None:
    """The model's YAML documentation as the view's comments, as DuckDB's build persists it."""
    if node.get("description"):
        con.execute(f"comment on view {relation} is {literal(node['description'])}")
    for column, documented in node["columns"].items():
        if column in columns and documented.get("description"):
            con.execute(
                f"comment on column {relation}.{quote(column)} is "
                f"{literal(documented['description'])}"
            )


def _in_documented_order(con: duckdb.DuckDBPyConnection, files: str, node: dict) -> list[str]:
    """The files' columns, those the model documents first and in its YAML's order."""
    present = [row[0] for row in con.execute(f"describe select * from {files}").fetchall()]
    documented = [c for c in node["columns"] if c in present]
    return documented + [c for c in present if c not in documented]
