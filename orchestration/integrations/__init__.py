"""One package per external system the code location drives through a library (dbt today)."""
