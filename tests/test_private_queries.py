"""Usable but invisible: differentially private questions of person-level data, over the
private lake the two nights wrote (the `two_nights` fixture). The answers come from OpenDP on
the real lake files; the truths they are judged against come from DuckDB on the warehouse's
private views, which the lake must mirror."""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx
import polars as pl
import pytest
from sqlalchemy import select

from orchestration import clock
from orchestration.cli import main
from orchestration.permissions import readable_by_others
from orchestration.publish.private import PrivateDataset, dataset_folder, private_datasets
from orchestration.sharing import audit, budget, dp, grants, registry
from orchestration.sharing.report import sharing_section
from orchestration.sharing.state import access_log, engine_for, privacy_ledger
from tests.conftest import TwoNights
from tests.test_sharing import _config, _consumer, _sqlite, running

pytestmark = pytest.mark.slow
APPLICATIONS = "service-applications-private"
JOURNEYS = "transit-journeys-private"


def _dataset(dataset_id: str) -> PrivateDataset:
    return next(d for d in private_datasets() if d.id == dataset_id)


def _truth(two_nights: TwoNights, sql: str) -> list[tuple]:
    with duckdb.connect(str(two_nights.home.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _lake(two_nights: TwoNights, dataset: PrivateDataset) -> pl.LazyFrame:
    return dp.frame(dataset_folder(two_nights.home.home, dataset), dataset)


def test_the_lake_mirrors_the_private_models_and_only_its_owner_reads_it(
    two_nights: TwoNights,
) -> None:
    for dataset in private_datasets():
        folder = dataset_folder(two_nights.home.home, dataset)
        for path in (folder.parent, folder, *folder.glob("date_day=*")):
            assert not readable_by_others(path), path
        lake = (
            _lake(two_nights, dataset)
            .group_by("date_day")
            .agg(pl.len().alias("rows"))
            .collect()
            .rows()
        )
        truth = _truth(
            two_nights,
            f"select strftime(date_day, '%Y-%m-%d'), count(*) from {dataset.relation} group by 1",
        )
        assert sorted(lake) == sorted(truth), dataset.id
        assert dataset.identifier not in dataset.fields  # a grant can never name the person


def _release_many(data, dataset, question, times: int) -> tuple[dp.Resolved, list[dict]]:
    resolved = dp.Resolver()(data, dataset, question)
    return resolved, [
        dp.answer(dp.release(data, resolved), resolved, dataset, question) for _ in range(times)
    ]


def _most_rows_per_person(two_nights: TwoNights, relation: str, by: list[str]) -> int:
    keys = ", ".join(["person_pseudonym", *by])
    return _truth(
        two_nights, f"select max(n) from (select {keys}, count(*) n from {relation} group by all)"
    )[0][0]


def test_intervals_cover_the_true_counts_and_means(two_nights: TwoNights) -> None:
    """Two questions whose bounds no person exceeds in this city (checked first), so that the
    truth is what the noise hides: health visits by age band (grouped counts), and all
    applications' count and mean processing time (a total)."""
    visits, applications = _dataset("outpatient-visits-private"), _dataset(APPLICATIONS)
    assert _most_rows_per_person(two_nights, visits.relation, ["age_band"]) <= 1
    assert _most_rows_per_person(two_nights, applications.relation, []) <= 2
    by_band = dict(
        _truth(two_nights, f"select age_band, count(*) from {visits.relation} group by 1")
    )
    count, mean = _truth(
        two_nights,
        f"""select count(*), avg(least(greatest(floor(processing_working_days), 0), 30))
            from {applications.relation} where processing_working_days is not null""",
    )[0]
    asked = [
        (visits, {"group_by": ["age_band"], "epsilon": 1.0}),
        (
            applications,
            {"statistics": ["count", {"mean": "processing_working_days"}], "epsilon": 1.0},
        ),
    ]
    covered = checked = 0
    for dataset, body in asked:
        question = dp.question(body, dataset, None)
        _, answers = _release_many(_lake(two_nights, dataset), dataset, question, 50)
        for group in (g for answer in answers for g in answer["groups"]):
            truths = (
                [(group["count"], by_band[group["age_band"]])]
                if "age_band" in group
                else [(group["count"], count), (group["mean_processing_working_days"], mean)]
            )
            for interval, true in truths:
                checked += 1
                covered += interval["low"] <= true <= interval["high"]
    assert checked >= 200, "too few groups were released to judge the intervals"
    assert covered / checked >= 0.9, f"{covered} of {checked} intervals covered the truth"


def test_an_answer_on_one_person_fewer_differs_within_the_noise(two_nights: TwoNights) -> None:
    dataset = _dataset(JOURNEYS)
    data = _lake(two_nights, dataset)
    busiest = (
        data.group_by(dataset.identifier).len().sort("len", descending=True).first().collect()
    )[dataset.identifier][0]
    question = dp.question(
        {"group_by": ["origin_district_code"], "statistics": ["count"], "epsilon": 1.0},
        dataset,
        None,
    )
    resolver = dp.Resolver()
    with_them = resolver(data, dataset, question)
    without = data.filter(pl.col(dataset.identifier) != busiest)
    assert resolver(without, dataset, question) is with_them  # same question, same noise

    def counts(frame) -> dict[str, float]:
        answer = dp.answer(dp.release(frame, with_them), with_them, dataset, question)
        return {g["origin_district_code"]: g["count"]["value"] for g in answer["groups"]}

    n, n_minus_1 = counts(data), counts(without)
    common = set(n) & set(n_minus_1)
    assert common, "no district was released on both"
    # The person moved the true counts by at most their bounded contribution, which the noise
    # hides; the answers differ by the noise of two draws (4 half-widths: by chance < 1e-4).
    influence = dataset.max_rows_per_group * dataset.max_groups
    assert influence < with_them.scale["count"] * 2
    noise = 4 * with_them.accuracy["count"]
    assert all(abs(n[d] - n_minus_1[d]) <= noise + influence for d in common)


def test_no_answer_reveals_a_group_below_the_threshold(two_nights: TwoNights) -> None:
    dataset = _dataset(JOURNEYS)
    by = ["date_day", "origin_district_code", "destination_district_code"]
    truth = {
        (day, origin, destination): n
        for day, origin, destination, n in _truth(
            two_nights,
            f"""select strftime(date_day, '%Y-%m-%d'), origin_district_code,
                       destination_district_code, count(*)
                from {dataset.relation} group by all""",
        )
    }
    assert min(truth.values()) < dataset.min_count  # there are small groups to protect
    question = dp.question({"group_by": by, "epsilon": 1.0}, dataset, None)
    resolved, answers = _release_many(_lake(two_nights, dataset), dataset, question, 10)
    assert resolved.threshold is not None and resolved.threshold > dataset.min_count
    released = [g for answer in answers for g in answer["groups"]]
    assert released, "nothing was released: the question is too fine for this city"
    for group in released:
        assert group["count"]["value"] >= resolved.threshold
        assert truth[tuple(group[c] for c in by)] >= dataset.min_count


@pytest.mark.parametrize(
    "body, says",
    [
        ({"group_by": ["person_pseudonym"]}, "cannot be asked"),
        ({"where": {"person_pseudonym": "x"}}, "cannot be asked"),
        ({"where": {"date_day": "2026-09-29"}}, "since and until"),
        ({"statistics": [{"sum": "origin_district_code"}]}, "not offered"),
        ({"statistics": [{"max": "journey_minutes"}]}, "not offered"),
        ({"statistics": [{"sum": ["journey_minutes"]}]}, "not offered"),
        ({"where": {"origin_district_code": [{"$ne": 1}]}}, "values are codes"),
        ({"epsilon": 5}, "at most"),
        ({"epsilon": "1; drop table x"}, "give a number"),
        ({"group_by": ["a", "b", "c", "d"]}, "up to 3"),
        ({"since": "yesterday"}, "YYYY-MM-DD"),
        ({"sql": "select 1"}, "unknown parameter"),
        ({"where": {"origin_district_code": ["x"] * 51}}, "1 to 50"),
    ],
)
def test_questions_that_are_not_offered_are_refused(body: dict, says: str) -> None:
    with pytest.raises(Exception, match=says):
        dp.question(body, _dataset(JOURNEYS), None)


def test_asking_needs_a_grant_spends_the_budget_and_is_logged(
    two_nights: TwoNights, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(budget.BUDGET_VARIABLE, "0.25")
    monkeypatch.setenv("CITYBASE_SHARING_DB", _sqlite(tmp_path))  # for the CLI and the report
    engine = engine_for(_sqlite(tmp_path))
    key = _consumer(engine, "hospital-platform")
    owner = _consumer(engine, "health-bureau", "bureau", "health")
    dataset_id = "outpatient-visits-private"
    url = f"/api/sharing/private/{dataset_id}/query"
    ask = {"group_by": ["age_band"], "statistics": ["count", {"mean": "fee_yuan"}], "epsilon": 0.1}
    with running(_config(two_nights, _sqlite(tmp_path))) as base:
        client = httpx.Client(base_url=base, timeout=60)
        as_consumer = {"Authorization": key}
        listed = client.get("/api/sharing/private", headers=as_consumer).json()
        assert {d["id"] for d in listed["datasets"]} == {d.id for d in private_datasets()}
        assert listed["budget"]["epsilon_budget"] == 0.25
        assert client.post(url, json=ask).status_code == 401
        refused = client.post(url, json=ask, headers=as_consumer)
        assert refused.status_code == 403 and "apply" in refused.json()["error"]

        applied = client.post(
            "/api/sharing/applications",
            json={
                "dataset": dataset_id,
                "purpose": "outpatient demand by age",
                "fields": ["age_band", "fee_yuan"],
            },
            headers=as_consumer,
        )
        assert applied.status_code == 201, applied.text
        approved = client.post(
            f"/api/sharing/applications/{applied.json()['id']}/approve",
            json={"reason": "public-health planning"},
            headers={"Authorization": owner},
        )
        assert approved.status_code == 200, approved.text

        outside = client.post(url, json={"group_by": ["district_code"]}, headers=as_consumer)
        assert outside.status_code == 400 and "does not cover" in outside.json()["error"]
        for left in (0.15, 0.05):
            answered = client.post(url, json=ask, headers=as_consumer)
            assert answered.status_code == 200, answered.text
            assert answered.json()["privacy"]["epsilon_left"] == pytest.approx(left)
        spent = client.post(url, json=ask, headers=as_consumer)
        assert spent.status_code == 403 and "budget spent" in spent.json()["error"]
        assert main(["consumers", "budget", "hospital-platform", "0.35"]) == 0  # the operator
        raised = client.post(url, json=ask, headers=as_consumer)
        assert raised.status_code == 200 and raised.json()["privacy"]["epsilon_left"] == (
            pytest.approx(0.05)
        )
        for hostile in ("..%2F..%2Fwarehouse", "outpatient-visits-private';--"):
            tried = client.post(
                f"/api/sharing/private/{hostile}/query", json=ask, headers=as_consumer
            )
            assert tried.status_code == 404 and "Traceback" not in tried.text

        ckan = client.get("/api/3/action/package_list").json()["result"]
        assert not set(ckan) & {d.id for d in private_datasets()}  # never listed, never read
        sql = client.get(
            "/api/3/action/datastore_search_sql",
            params={"sql": f'select * from "{dataset_id}"'},
            headers=as_consumer,
        )
        assert sql.status_code >= 400 and "pseudonym" not in sql.text

    with engine.connect() as db:
        ledger = db.execute(select(privacy_ledger.c.epsilon, privacy_ledger.c.dataset)).all()
    assert ledger == [(0.1, dataset_id)] * 3
    with engine.connect() as db:
        logged = db.execute(
            select(access_log.c.status, access_log.c.rows).where(access_log.c.dataset == dataset_id)
        ).all()
    assert sorted(status for status, _ in logged).count(200) == 3  # and every refusal, too
    assert {403, 401, 400} <= {status for status, _ in logged}
    assert audit.verify(engine).intact
    section = sharing_section(two_nights.home, "health", clock.now().date())
    assert {(a["consumer"], a["dataset"], a["requests"]) for a in section["accesses"]} == {
        ("hospital-platform", dataset_id, 4)  # who applied and asked three times
    }
    assert grants.list_grants(engine, registry.consumer(engine, "hospital-platform"))
