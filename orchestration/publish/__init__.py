"""Write-audit-publish of the open data: export the audited dbt tables, scan them, promote
them atomically as a new release, and describe them in a DCAT catalog and a datapackage."""
