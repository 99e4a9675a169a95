"""SQL text helpers shared by every module that writes DuckDB SQL."""


def quote(name: str) -> str:
    """An identifier, quoted: delivered column names may hold any character."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal."""
    return "'" + str(text).replace("'", "''") + "'"


# The SQL type of each type a standard or contract names.
SQL_TYPES = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
