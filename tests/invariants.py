"""What must hold after any fault: nothing lost, nothing twice, open data only whole releases."""

from __future__ import annotations

import hashlib
import json

from orchestration.landing.schema import raw_tables
from orchestration.settings import Paths
from orchestration.warehouse import connect


def assert_nothing_lost(home: Paths) -> None:
    """Every loaded file reconciles (read = loaded + quarantined); each raw table holds, per day,
    exactly the rows its current manifest entries loaded, and no source row twice."""
    with connect(home.warehouse, read_only=True) as con:
        broken = con.execute(
            "select landed_file from raw._manifest where status = 'loaded' "
            "and rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()
        assert broken == []
        expected = dict(
            ((table, day), n)
            for table, day, n in con.execute(
                "select raw_table, partition_date, sum(rows_loaded) from raw._manifest "
                "where status = 'loaded' group by all"
            ).fetchall()
        )
        tables = {t for t, _ in expected}
        for table in tables:
            held = dict(
                ((table, day), n)
                for day, n in con.execute(
                    f"select _partition_date, count(*) from raw.{table} group by all"
                ).fetchall()
            )
            mine = {k: v for k, v in expected.items() if k[0] == table and v}
            if all(day is None for _, day in mine):  # snapshots: one table-wide entry
                mine = {(table, None): sum(mine.values())}
                held = {(table, None): sum(held.values())}
            assert held == mine, table
            twice = con.execute(
                f"select count(*) from (select _source_file, _row_number from raw.{table} "
                "group by all having count(*) > 1)"
            ).fetchone()[0]
            assert twice == 0, table


def assert_the_lake_mirrors_raw(home: Paths) -> None:
    """Every raw table's rows are in the lake, per source and day, and no others: the same
    count and the same (file, row) pairs, read back through the hive folders."""
    with connect(home.warehouse, read_only=True) as con:
        tables = raw_tables(con)
        per_day = "_source, _partition_date, count(*), bit_xor(hash(_source_file, _row_number))"
        for table in tables:
            raw = set(con.execute(f"select {per_day} from raw.{table} group by all").fetchall())
            files = home.raw_lake / table / "*" / "*" / "rows.parquet"
            lake = set()
            if any((home.raw_lake / table).glob("*/*/rows.parquet")):
                lake = set(
                    con.execute(
                        f"select {per_day} from read_parquet('{files}', hive_partitioning = true) "
                        "group by all"
                    ).fetchall()
                )
            assert lake == raw, table
        assert tables


def published_state(home: Paths) -> dict[str, str]:
    """Dataset -> the release it serves, after checking the release is whole: its files are
    the ones its release.json lists, byte for byte. No audit folder may be left."""
    state = {}
    for root in (home.open_data, home.conditional_share):
        assert not (root / ".audit").exists() or not any((root / ".audit").iterdir())
        for link in sorted(root.glob("*/current")):
            info = json.loads((link / "release.json").read_text())
            for kind, meta in info["files"].items():
                data = (link / f"{link.parent.name}.{kind}").read_bytes()
                assert hashlib.sha256(data).hexdigest() == meta["sha256"], link
            state[link.parent.name] = info["release_id"]
    return state


def table_fingerprint(home: Paths, schemas: tuple[str, ...] = ("raw",)) -> dict[str, tuple]:
    """Rows per table and an order-independent hash of them: equal means the same rows."""
    with connect(home.warehouse, read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where list_contains(?, schema_name) and not starts_with(table_name, '_')",
            [list(schemas)],
        ).fetchall()
        return {
            t: con.execute(f"select count(*), sum(hash(t)) from {t} as t").fetchone()
            for (t,) in tables
        }


def raw_fingerprint(home: Paths) -> dict[str, tuple]:
    return table_fingerprint(home, ("raw",))
