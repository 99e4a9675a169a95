"""citybase: the city data foundation, orchestrated by Dagster."""
