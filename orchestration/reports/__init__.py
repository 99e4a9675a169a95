"""Nightly data-quality reports: per bureau and for the city, as HTML and JSON."""
