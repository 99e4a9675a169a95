"""The sources this code location serves: every contract, loaded and validated once when the
location loads. Everything built from them (assets, checks, jobs, sensors, the night's
preflight) sees the same list, so a contract edited mid-night cannot make two steps disagree;
the next load of the location (a new run process, `dagster dev`'s reload) picks it up."""

from orchestration.contracts import load_contracts

CONTRACTS = load_contracts()
