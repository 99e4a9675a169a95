"""`citybase bench`: how long a night takes and how much memory it needs, at several city sizes,
against the limit of the same SQL run bare in DuckDB."""
