"""Examples of the rows a failed dbt test found, masked, for the asset check and the reports.

dbt holds the warehouse file while it builds, so the samples are read afterwards by running
each failed test's compiled query again with a limit; passing tests cost nothing. dbt's
`store_failures` would write one relation per test on every night instead. A test compiled for
Spark (CITYBASE_ENGINE=spark) is translated to DuckDB's dialect by sqlglot and reads the views
over Spark's tables (orchestration/integrations/dbt/spark.py).
"""

from __future__ import annotations

import duckdb
import sqlglot

from orchestration.privacy import mask_sql

SAMPLE_SIZE = 5
FAILED = ("fail", "warn", "error")


def failing_samples(
    con: duckdb.DuckDBPyConnection, run_results: dict, dialect: str = "duckdb"
) -> dict[str, list[str]]:
    """unique_id of each failed test -> up to SAMPLE_SIZE of its failing rows as masked JSON;
    `dialect` is the sqlglot name of the engine that compiled the tests."""
    samples = {}
    for result in run_results["results"]:
        sql = result.get("compiled_code")
        if not (sql and result["unique_id"].startswith("test.") and result["status"] in FAILED):
            continue
        masked = mask_sql("to_json(failing)::varchar", False)
        try:
            if dialect != "duckdb":
                sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
            rows = con.execute(
                f"select {masked} from ({sql}) as failing limit {SAMPLE_SIZE}"
            ).fetchall()
        except (duckdb.Error, sqlglot.errors.SqlglotError) as exc:  # e.g. the model is not built
            rows = [(f"(no sample: {str(exc).splitlines()[0][:200]})",)]
        samples[result["unique_id"]] = [row[0] for row in rows]
    return samples
