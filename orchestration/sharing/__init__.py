"""The data-sharing exchange (`citybase serve`): consumers, keys, applications and grants, the
CKAN-compatible API, the DCAT-AP catalogue, the hash-chained access log and differentially
private answers over person-level data."""
