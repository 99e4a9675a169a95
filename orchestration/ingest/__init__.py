"""Ingesting a delivery: fetch it through its connector, keep it in landing, load it into raw,
check it and profile it (`delivery`), and give refused rows a second chance when the register
they named arrives (`recheck`). Above connectors, landing, quality and observability; below the
Dagster assets, which call it, and the tests, which land data exactly as a night does."""
