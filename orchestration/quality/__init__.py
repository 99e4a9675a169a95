"""Quality gates: source suites (Great Expectations) run against the raw layer, results kept in
the warehouse's `quality` schema, failing rows quarantined or flagged."""
