"""The glue between dbt and Dagster, tested on its own: how nodes become asset keys, groups and
owners; how a standard's raw table becomes the raw assets of the contracts feeding it; how a
build's run results become the quality records the publish gate reads; what a dbt
invocation is told about the night; and which dbt runs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from dagster import AssetKey

from orchestration.assets.transform import NIGHTLY_BUILD, dbt_check_records
from orchestration.contracts import load_contracts
from orchestration.integrations.dbt.project import (
    HOME_VARIABLE,
    LOG_LEVEL_FILE_VARIABLE,
    RUN_DATE_VARIABLE,
    dbt_environment,
    dbt_executable,
    ensure_manifest,
)
from orchestration.integrations.dbt.resource import project_dbt_resource
from orchestration.integrations.dbt.spark import engine_target
from orchestration.integrations.dbt.translator import CitybaseTranslator, source_feeds
from orchestration.keys import raw_asset_key
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import TwoNights


def _node(name: str, schema: str, tags: list[str], resource_type: str = "model") -> dict:
    return {
        "unique_id": f"{resource_type}.citybase.{name}",
        "resource_type": resource_type,
        "name": name,
        "config": {"schema": schema},
        "tags": tags,
    }


def test_a_node_is_keyed_grouped_and_owned_by_its_layer_and_bureau() -> None:
    translator = CitybaseTranslator()
    punctuality = _node("fct_bus_punctuality_daily", "marts", ["transport", "daily"])
    assert translator.get_asset_key(punctuality) == AssetKey(
        ["marts", "transport", "fct_bus_punctuality_daily"]
    )
    assert translator.get_group_name(punctuality) == "marts"
    assert translator.get_owners(punctuality) == ["team:transport"]
    assert translator.get_tags(punctuality) == {"bureau": "transport"}
    # no bureau among the tags: a cross-domain model is the city's
    overview = _node("dim_date", "marts", ["daily"])
    assert translator.get_asset_key(overview) == AssetKey(["marts", "city", "dim_date"])
    assert translator.get_owners(overview) == ["team:city"]
    seed = _node("aqi_breakpoints", "reference", ["environment"], "seed")
    assert translator.get_asset_key(seed).path == ["reference", "environment", "aqi_breakpoints"]


def test_a_standards_raw_table_is_fed_by_every_contract_of_that_standard() -> None:
    """A county's feed of the same standard sits beside the city's as the staging model's
    upstream; the dbt source itself (one raw table per standard) is not an asset anyone makes."""
    contracts = {c.key: c for c in load_contracts()}
    city = contracts["hotline__work_orders"]
    county = city.model_copy(update={"bureau": "county_a"})
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    translator = CitybaseTranslator(source_feeds([city, county]))
    spec = translator.get_asset_spec(manifest, "model.citybase.stg_hotline__work_orders", None)
    deps = {dep.asset_key for dep in spec.deps}
    assert deps == {raw_asset_key(city), raw_asset_key(county)}
    assert AssetKey(["raw", "hotline", "work_orders"]) == raw_asset_key(city)
    assert AssetKey(["raw", "county_a", "work_orders"]) in deps
    # without feeds (the publish step's own reading of the manifest) the source stays the dep
    plain = CitybaseTranslator().get_asset_spec(
        manifest, "model.citybase.stg_hotline__work_orders", None
    )
    assert {d.asset_key for d in plain.deps} == {AssetKey(["raw", "hotline", "work_orders"])}


def _results_of(*results: dict) -> dict:
    return {"results": list(results)}


def test_a_builds_run_results_become_one_record_per_model_and_per_test() -> None:
    model = _node("fct_hotline_orders", "marts", ["hotline"])
    unique = {
        **_node("unique_fct_hotline_orders_order_id", "marts", [], "test"),
        "attached_node": model["unique_id"],
        "test_metadata": {"name": "unique"},
        "config": {"severity": "ERROR"},
    }
    warned = {
        **_node("accepted_range_fct_hotline_orders_hours", "marts", [], "test"),
        "attached_node": model["unique_id"],
        "test_metadata": {"name": "accepted_range"},
        "config": {"severity": "warn"},
    }
    stranded = {**_node("singular_check", "marts", [], "test"), "config": {"severity": "error"}}
    manifest = {"nodes": {n["unique_id"]: n for n in (model, unique, warned, stranded)}}
    run_results = _results_of(
        {"unique_id": model["unique_id"], "status": "success", "message": "OK"},
        {"unique_id": unique["unique_id"], "status": "fail", "failures": 3, "message": "x" * 900},
        {"unique_id": warned["unique_id"], "status": "warn", "failures": 2, "message": None},
        {"unique_id": stranded["unique_id"], "status": "fail", "failures": 1},  # no model
        {"unique_id": "model.citybase.gone", "status": "success"},  # not in this manifest
    )
    samples = {unique["unique_id"]: ["order_id=***"]}
    records = {r.check_name: r for r in dbt_check_records(run_results, manifest, samples)}
    assert set(records) == {"dbt_build", unique["name"], warned["name"]}
    built = records["dbt_build"]
    assert (built.asset, built.bureau, built.dimension, built.severity, built.passed) == (
        "marts/hotline/fct_hotline_orders",
        "hotline",
        "accessibility",
        "error",
        True,
    )
    failed = records[unique["name"]]
    assert (failed.dimension, failed.severity, failed.passed, failed.failed) == (
        "accuracy",
        "error",
        False,
        3,
    )
    assert failed.sample == ["order_id=***"] and len(failed.description) == 500
    # a warn-severity test never blocks, and says what it found
    soft = records[warned["name"]]
    assert (soft.severity, soft.passed, soft.failed, soft.description) == ("warn", True, 2, "warn")


def test_a_dbt_invocation_is_told_the_night_and_the_home_and_the_process_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(HOME_VARIABLE, "/somewhere/else")
    monkeypatch.delenv(RUN_DATE_VARIABLE, raising=False)
    with dbt_environment(dt.date(2026, 10, 1), tmp_path):
        assert os.environ[RUN_DATE_VARIABLE] == "2026-10-01"
        assert os.environ[HOME_VARIABLE] == str(tmp_path)
    assert os.environ[HOME_VARIABLE] == "/somewhere/else"
    assert RUN_DATE_VARIABLE not in os.environ


def test_dbt_logs_to_its_file_at_info_unless_the_operator_asks_for_debug(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(LOG_LEVEL_FILE_VARIABLE, raising=False)
    with dbt_environment(dt.date(2026, 10, 1), tmp_path):
        assert os.environ[LOG_LEVEL_FILE_VARIABLE] == "info"
    assert LOG_LEVEL_FILE_VARIABLE not in os.environ
    monkeypatch.setenv(LOG_LEVEL_FILE_VARIABLE, "debug")
    with dbt_environment(dt.date(2026, 10, 1), tmp_path):
        assert os.environ[LOG_LEVEL_FILE_VARIABLE] == "debug"


def test_the_night_is_told_the_version_of_the_dbt_it_runs_without_asking_dbt(
    tmp_path: Path,
) -> None:
    """dagster-dbt would run `dbt --version` (a second dbt start-up, ~3 s) before each build;
    the version it is told instead must be the one that executable reports."""
    assert project_dbt_resource().dbt_executable == dbt_executable()
    calls = tmp_path / "calls"
    watched = tmp_path / "dbt"  # the project's dbt, noting each start
    watched.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {dbt_executable()} "$@"\n')
    watched.chmod(0o755)
    dbt = project_dbt_resource().model_copy(update={"dbt_executable": str(watched)})
    told = str(dbt._cli_version)
    assert not calls.exists(), "the version was asked of dbt"
    reported = subprocess.run(
        [str(watched), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert calls.read_text().split() == ["--version"]
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported)
    assert installed, reported
    assert told == installed.group(1)


@pytest.mark.slow
def test_the_nightly_build_selects_every_model_and_data_test_and_no_unit_test() -> None:
    """dbt's unit tests check SQL that does not change between nights: make test runs them."""

    def listed(*args: str) -> list[dict]:
        where = ["--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)]
        where += ["--target", engine_target()]  # as the night lists (and keeps its parse)
        out = subprocess.run(
            [dbt_executable(), "ls", *args, "--output", "json", "--quiet", *where],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    night = listed(*NIGHTLY_BUILD[1:])
    everything = listed()
    kinds = {n["resource_type"] for n in night}
    assert "unit_test" not in kinds and {"model", "test", "seed"} <= kinds
    assert {n["unique_id"] for n in everything if n["resource_type"] != "unit_test"} == {
        n["unique_id"] for n in night
    }
    assert any(n["resource_type"] == "unit_test" for n in everything)


@pytest.mark.slow
def test_a_new_homes_first_night_starts_from_the_projects_dbt_parse(two_nights: TwoNights) -> None:
    """dbt keeps its saved parse only while the profile it hashes is unchanged. The night's
    target names no home (profiles.yml, `night`), so the first night of a new home starts from
    the project's parse instead of parsing everything again (5 s of a small night), and so
    does every night after it."""
    log = two_nights.home.dbt_target / "dbt.log"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    names = [event["info"]["name"] for event in events]
    assert names.count("StatsLine") == 2  # both nights' builds wrote here
    reparsed = [e["data"] for e in events if e["info"]["name"] == "UnableToPartialParse"]
    assert reparsed == []
