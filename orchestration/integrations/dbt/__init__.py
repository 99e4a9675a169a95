"""dbt: the project as Dagster sees it (project.py) and how its nodes become assets
(translator.py), below the assets that run it and the publication that reads its manifest."""
