"""The sharing service's routes, one module per audience: open-data clients (CKAN, the
catalogue, files), the exchange (applications, grants, consumers), private questions."""
