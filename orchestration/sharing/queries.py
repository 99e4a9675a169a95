"""Reading a served dataset: CKAN's datastore_search (filters, q, fields, sort, paging) and a
read-only datastore_search_sql, over the exchange's locked in-memory DuckDB.

Each request gets its own cursor with one temporary view per dataset it may read, named by the
dataset's id and holding only the fields its grant covers. SQL is parsed with sqlglot first: one
SELECT, reading only those views by their bare names; anything else is refused before DuckDB
sees it. A time limit interrupts a long query, and at most a row limit of rows come back.
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import sqlglot
from sqlglot import exp

from orchestration.sharing.errors import SharingError
from orchestration.sharing.published import SCHEMA, Offer, Served
from orchestration.sql import ckan_type, quote

MAX_LIMIT = 32_000  # CKAN's own ceiling for datastore_search
DEFAULT_LIMIT = 100
SQL_ROW_LIMIT = 32_000
SQL_SECONDS = 5.0


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


@contextmanager
def readable(offer: Offer, allowed: dict[str, list[str] | None]) -> Iterator:
    """A cursor on which each allowed dataset is a view of the fields it may read."""
    cursor = offer.db.cursor()
    try:
        for dataset_id, fields in allowed.items():
            served = offer.get(dataset_id)
            names = [n for n, _ in served.fields if fields is None or n in fields]
            cursor.execute(
                f"create temp view {quote(dataset_id)} as select "
                f"{', '.join(quote(n) for n in names)} from {SCHEMA}.{quote(dataset_id)}"
            )
        yield cursor
    finally:
        cursor.close()


def _columns(served: Served, fields: list[str] | None) -> list[tuple[str, str]]:
    return [(n, t) for n, t in served.fields if fields is None or n in fields]


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise SharingError(f"{name}: give a list of field names or a comma-separated string")


def _bounded(value, name: str, default: int, ceiling: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SharingError(f"{name}: give a whole number") from None
    if not 0 <= number <= ceiling:
        raise SharingError(f"{name}: give a number from 0 to {ceiling}")
    return number


def search(offer: Offer, served: Served, granted: list[str] | None, params: dict) -> dict:
    """datastore_search on one dataset, within the fields a grant covers (None: all)."""
    columns = _columns(served, granted)
    known = {n for n, _ in columns}
    types = dict(columns)
    wanted = _as_list(params.get("fields"), "fields") or [n for n, _ in columns]
    unknown = [f for f in wanted if f not in known]
    if unknown:
        raise SharingError(f"fields: {served.id} has no field {', '.join(unknown)} you may read")
    where, values = [], []
    filters = params.get("filters") or {}
    if not isinstance(filters, dict):
        raise SharingError("filters: give an object of field name to value (or list of values)")
    for name, value in filters.items():
        if name not in known:
            raise SharingError(f"filters: {served.id} has no field {name!r} you may read")
        options = value if isinstance(value, list) else [value]
        if not options or not all(isinstance(v, str | int | float | bool) for v in options):
            raise SharingError(f"filters: {name!r} takes a value or a list of values")
        where.append(f"{quote(name)}::varchar in ({', '.join('?' for _ in options)})")
        values.extend(str(v) for v in options)
    q = params.get("q")
    if q:
        if isinstance(q, dict):
            pairs = list(q.items())
        elif isinstance(q, str):
            pairs = [(n, q) for n, t in columns if ckan_type(t) == "text"]
        else:
            raise SharingError("q: give a text, or an object of field name to text")
        terms = []
        for name, text in pairs:
            if name not in known or not isinstance(text, str):
                raise SharingError(f"q: {served.id} has no text field {name!r} you may read")
            terms.append(f"{quote(name)}::varchar ilike ?")
            values.append(f"%{text}%")
        where.append(f"({' or '.join(terms) or 'false'})")
    order = []
    for part in _as_list(params.get("sort"), "sort"):
        name, _, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in known or direction not in ("asc", "desc"):
            raise SharingError(
                f"sort: {part!r} is not '<field> [asc|desc]' of a field you may read"
            )
        order.append(f"{quote(name)} {direction}")
    limit = _bounded(params.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _bounded(params.get("offset"), "offset", 0, 10**9)
    condition = f" where {' and '.join(where)}" if where else ""
    ordering = ", ".join(order or [quote(n) for n, _ in columns])
    with readable(offer, {served.id: granted}) as cursor:
        total = cursor.execute(
            f"select count(*) from {quote(served.id)}{condition}", values
        ).fetchone()[0]
        rows = cursor.execute(
            f"select {', '.join(quote(f) for f in wanted)} from {quote(served.id)}{condition} "
            f"order by {ordering} limit {limit} offset {offset}",
            values,
        ).fetchall()
    return {
        "resource_id": served.id,
        "fields": [{"id": f, "type": ckan_type(types[f])} for f in wanted],
        "records": [dict(zip(wanted, map(_json_value, row), strict=True)) for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": f"/api/3/action/datastore_search?resource_id={served.id}",
            "next": f"/api/3/action/datastore_search?resource_id={served.id}"
            f"&offset={offset + limit}",
        },
    }


def tables_read(sql: str) -> set[str]:
    """The datasets a SQL text reads, after checking it is one plain SELECT that names tables
    only by their bare names. Raises SharingError otherwise."""
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        raise SharingError("sql: not a SQL statement DuckDB's dialect can read") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SharingError("sql: give exactly one SELECT statement")
    tree = statements[0]
    banned = (exp.Command, exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Pragma)
    if any(isinstance(node, banned) for node in tree.walk()):
        raise SharingError("sql: only SELECT is allowed")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        if (
            not isinstance(table.this, exp.Identifier)
            or table.args.get("db")
            or table.args.get("catalog")
        ):
            raise SharingError('sql: read datasets by their id, e.g. select * from "<id>"')
        if table.name not in ctes:
            tables.add(table.name)
    return tables


def search_sql(offer: Offer, sql: str, allowed: dict[str, list[str] | None]) -> dict:
    """datastore_search_sql: runs a checked SELECT over the datasets in `allowed`, within the
    time and row limits."""
    wanted = tables_read(sql)
    unknown = sorted(wanted - set(allowed))
    if unknown:
        raise SharingError(f"sql: no dataset {', '.join(unknown)} that you may read")
    with readable(offer, {d: allowed[d] for d in wanted}) as cursor:
        timer = threading.Timer(SQL_SECONDS, cursor.interrupt)
        timer.start()
        try:
            result = cursor.execute(sql)
            names = [d[0] for d in result.description]
            rows = result.fetchmany(SQL_ROW_LIMIT + 1)
        except duckdb.InterruptException:
            raise SharingError(f"sql: stopped after {SQL_SECONDS:g} s; narrow the query") from None
        except duckdb.Error as error:
            raise SharingError(
                f"sql: {type(error).__name__}: {str(error).splitlines()[0]}"
            ) from None
        finally:
            timer.cancel()
    if len(rows) > SQL_ROW_LIMIT:
        raise SharingError(f"sql: more than {SQL_ROW_LIMIT} rows; add a limit or aggregate")
    return {
        "fields": [{"id": name} for name in names],
        "records": [dict(zip(names, map(_json_value, row), strict=True)) for row in rows],
        "sql": sql,
    }
