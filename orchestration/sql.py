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

# How the formats that describe a table name each SQL type: (Frictionless Table Schema, CKAN's
# DataStore). A type not listed is text in both.
FIELD_TYPES = {
    "BIGINT": ("integer", "int"),
    "INTEGER": ("integer", "int"),
    "HUGEINT": ("integer", "int"),
    "DOUBLE": ("number", "numeric"),
    "DECIMAL": ("number", "numeric"),
    "DATE": ("date", "date"),
    "TIMESTAMP": ("datetime", "timestamp"),
    "BOOLEAN": ("boolean", "bool"),
}


def frictionless_type(sql_type: str) -> str:
    return FIELD_TYPES.get(sql_type.split("(")[0], ("string", "text"))[0]


def ckan_type(sql_type: str) -> str:
    return FIELD_TYPES.get(sql_type.split("(")[0], ("string", "text"))[1]
