"""Landing: keep every delivery byte for byte, load its rows into raw tables, lose nothing.

For each file: rows read = rows loaded + rows quarantined, recorded in raw._manifest.
"""
