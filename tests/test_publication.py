"""Write-audit-publish end to end: two nights of the demo city through Dagster, the second with
one bureau's delivery corrupted (the `two_nights` fixture), then a rollback."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS

from orchestration.bureaus import providers
from orchestration.cli import main
from orchestration.contracts import load_contracts
from orchestration.publish.datasets import open_datasets
from orchestration.publish.releases import current, releases
from orchestration.publish.run import audit_folder, destination, publish_all
from orchestration.settings import Paths
from orchestration.warehouse import connect
from tests.conftest import NIGHT_2, TwoNights

CORRUPTED = "station-aqi-daily"  # built from the environment bureau's hourly readings


def live_files(home: Paths) -> dict[str, tuple[str, bytes]]:
    """Dataset id -> (release id, bytes of the CSV a reader downloads now)."""
    served = {}
    for d in open_datasets():
        root = destination(home, d)
        if root is not None and (release := current(root, d.id)) is not None:
            served[d.id] = (release.id, (root / d.id / "current" / f"{d.id}.csv").read_bytes())
    return served


def catalog_releases(root: Path) -> dict[str, str]:
    """Dataset id -> the release the catalogue (DCAT-AP JSON-LD) says is served, in its order."""
    graph = Graph().parse(root / "catalog.json", format="json-ld")
    rows = graph.query(
        """select ?id ?version where {
             ?catalog a dcat:Catalog ; dcat:dataset ?d .
             ?d dct:identifier ?id ; dcat:version ?version }""",
        initNs={"dcat": DCAT, "dct": DCTERMS},
    )
    return {str(row.id): str(row.version) for row in rows}


@pytest.mark.slow
def test_a_corrupt_delivery_holds_back_its_datasets_and_the_others_publish(
    two_nights: TwoNights,
) -> None:
    home, before = two_nights.home, live_files(two_nights.after_night_1)
    assert len(before) == len([d for d in open_datasets() if d.openness != "not_open"]) >= 7
    assert not two_nights.night_2_succeeded  # the blocking check failed the environment asset
    after = live_files(home)

    # The corrupted bureau's dataset: held back, the same bytes still served, and the log says why.
    assert after[CORRUPTED] == before[CORRUPTED]
    log = two_nights.night_2_log
    assert f"{CORRUPTED}: held_back" in log and "pm25_ugm3_in_range" in log
    assert catalog_releases(home.open_data)[CORRUPTED] == before[CORRUPTED][0]
    # Every other dataset went through the audit and serves the second night.
    with connect(home.warehouse, read_only=True) as con:
        scanned = {
            asset.split("/")[-1].replace("_", "-")
            for (asset,) in con.execute(
                "select asset from quality.check_results "
                "where run_date = ? and check_name = 'pii_scan' and passed",
                [NIGHT_2],
            ).fetchall()
        }
    assert scanned == set(after) - {CORRUPTED}
    for d in open_datasets():
        root = destination(home, d)
        coverage = current(root, d.id).info.get("temporal") if root else None
        if coverage and d.id != CORRUPTED:
            assert coverage["endDate"] >= NIGHT_2.isoformat(), d.id
    assert not (home.open_data / ".audit").exists()  # audits are staged outside what is served
    assert not audit_folder(home.open_data).exists()  # and cleaned up after
    for package in (home.open_data, home.conditional_share):
        frictionless = Path(sys.executable).with_name("frictionless")
        done = subprocess.run(
            [frictionless, "validate", "datapackage.json"], cwd=package, capture_output=True
        )
        assert done.returncode == 0, done.stdout.decode()[-3000:]


def _copy_of(two_nights: TwoNights, tmp_path: Path) -> Paths:
    """The two nights' home for a test that changes what it serves: the fixture stays as is."""
    home = Paths(tmp_path / "home")
    shutil.copytree(two_nights.home.home, home.home, symlinks=True)
    return home


@pytest.mark.slow
def test_rollback_serves_the_previous_release_byte_for_byte(
    two_nights: TwoNights,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    home, before = _copy_of(two_nights, tmp_path), live_files(two_nights.after_night_1)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    rolled = "route-boardings-daily"
    assert live_files(home)[rolled][0] != before[rolled][0]
    assert main(["publish", "--rollback", rolled]) == 0
    assert live_files(home)[rolled] == before[rolled]
    assert catalog_releases(home.open_data)[rolled] == before[rolled][0]
    assert main(["publish", "--rollback", rolled]) == 1  # nothing older is kept
    assert "nothing to roll back to" in capsys.readouterr().err


def _private(path: Path) -> bool:
    return not path.stat().st_mode & 0o077


@pytest.mark.slow
def test_only_open_data_is_readable_by_other_users(two_nights: TwoNights) -> None:
    """Landing files hold raw ID numbers: everything a night writes under CITYBASE_HOME is the
    owner's alone (no CITYBASE_GROUP here), except open_data/, which is everyone's."""
    home = two_nights.home
    assert home.home.stat().st_mode & 0o777 == 0o711  # others may pass through, not list
    written = [home.warehouse, home.conditional_share, home.home / "dagster"]
    for folder in (home.landing, home.reports, home.conditional_share, home.home / "analyst"):
        written += [p for p in folder.rglob("*") if not p.is_symlink()]
    assert len(written) > 20
    assert [p for p in written if not _private(p)] == []
    public = [p for p in home.open_data.rglob("*") if not p.is_symlink()]
    assert public and all(p.stat().st_mode & 0o777 in (0o644, 0o755) for p in public)


@pytest.mark.slow
def test_conditional_data_is_not_written_into_a_share_others_can_read(
    two_nights: TwoNights, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _copy_of(two_nights, tmp_path)
    share = tmp_path / "world-readable-share"
    share.mkdir(mode=0o755)
    share.chmod(0o755)
    monkeypatch.setenv("CITYBASE_CONDITIONAL_SHARE", str(share))
    with connect(home.warehouse) as con:
        outcomes = publish_all(con, home, NIGHT_2, providers(load_contracts()))
    conditional = [o for o in outcomes if o.dataset.openness == "conditional"]
    assert conditional and all(o.status == "held_back" for o in conditional)
    assert all("can be read by any user" in o.reasons[0] for o in conditional)
    assert list(share.iterdir()) == []


@pytest.mark.slow
def test_no_published_share_reveals_a_withheld_sub_count(two_nights: TwoNights) -> None:
    """What a reader can work out from the downloaded file and what the warehouse knows: no
    online share times its published count, and no on-time rate times the completed count,
    leaves a sub-count of 1 to 4 on either side."""
    home, small = two_nights.home, range(1, 5)
    published = home.open_data / "service-item-applications-daily" / "current"
    with connect(home.warehouse, read_only=True) as con:
        rows = con.execute(
            f"""select p.applications, p.online_share, p.on_time_rate, f.completed_applications
                from read_csv('{published}/service-item-applications-daily.csv',
                              all_varchar = false) as p
                join marts.fct_service_performance_daily as f using (date_day, item_code)"""
        ).fetchall()
    assert rows
    revealing = [
        row
        for row in rows
        for share, whole in ((row[1], row[0]), (row[2], row[3]))
        if share is not None
        and (round(share * whole) in small or whole - round(share * whole) in small)
    ]
    assert revealing == []
    assert any(row[1] is not None for row in rows)  # shares are still published where safe


def _catalogue_agrees_with_what_is_served(home: Paths) -> None:
    for root in (home.open_data, home.conditional_share):
        listed = catalog_releases(root)
        package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        assert listed and set(listed) == {r["name"] for r in package["resources"]}
        for resource in package["resources"]:
            served = current(root, resource["name"])
            assert served is not None and served.id == listed[resource["name"]]
            csv_file = root / resource["path"]
            assert resource["hash"] == f"sha256:{hashlib.sha256(csv_file.read_bytes()).hexdigest()}"


@pytest.mark.slow
def test_a_publish_that_dies_mid_way_leaves_the_catalogue_and_the_files_agreeing(
    two_nights: TwoNights, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every served name resolves through one link that a publish flips last: a publish that
    dies before the flip serves the old view whole, one that gets past it the new view whole."""
    home = _copy_of(two_nights, tmp_path)
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    _catalogue_agrees_with_what_is_served(home)
    for name in ("catalog.json", "datapackage.json", "index.html"):
        assert os.readlink(home.open_data / name) == f".view/{name}"
    before = live_files(home)
    rolled = next(  # a dataset with an earlier release to go back to
        d.id
        for d in open_datasets()
        if (root := destination(home, d))
        and len(kept := releases(root, d.id)) >= 2
        and current(root, d.id).id == kept[-1].id
    )

    def dies(*_args, **_kwargs) -> None:
        raise KeyboardInterrupt("killed while writing the new view's catalogue")

    monkeypatch.setattr("orchestration.publish.run.write_catalogs", dies)
    with pytest.raises(KeyboardInterrupt):
        main(["publish", "--rollback", rolled])
    assert live_files(home) == before
    _catalogue_agrees_with_what_is_served(home)
    monkeypatch.undo()
    monkeypatch.setenv("CITYBASE_HOME", str(home.home))
    assert main(["publish", "--rollback", rolled]) == 0
    assert live_files(home)[rolled] != before[rolled]
    _catalogue_agrees_with_what_is_served(home)
