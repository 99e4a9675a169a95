"""Connectors fetch a delivery from where a bureau puts it: a file drop, a REST API, a database."""
