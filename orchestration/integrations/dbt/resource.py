"""The dbt resource the nightly build runs: dagster-dbt's, told the dbt version instead of
asking for it."""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.integrations.dbt.project import dbt_executable, dbt_project
from orchestration.integrations.dbt.spark import engine_target


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt learns the dbt version by running `dbt --version` before each invocation:
    a second dbt start-up (importing dbt and its adapters, then asking the package index for
    the latest release), 2.7-3.1 s of each night's build by py-spy. The dbt it runs is the one
    installed beside this Python (dbt_executable()), so its version is the installed
    dbt-core's. `_cli_version` is dagster-dbt's own, not public: tests/test_dbt_integration.py
    fails if a release renames it and dbt is asked again."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))


def project_dbt_resource() -> ProjectDbtCliResource:
    """The project's dbt, on the target of the engine the operator chose (CITYBASE_ENGINE picks
    the profile's target: DuckDB's local or Spark; docs/operations.md)."""
    return ProjectDbtCliResource(
        project_dir=dbt_project, dbt_executable=dbt_executable(), target=engine_target()
    )
