"""Asking a private dataset: the grant, the question, the budget and the answer, in that
order. The budget is charged after OpenDP has resolved the question (a question it cannot
answer costs nothing) and before any row is read (an answer is never released unpaid)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from orchestration.publish.private import PrivateDataset, dataset_folder
from orchestration.sharing import budget, dp
from orchestration.sharing.errors import NotFound
from orchestration.sharing.grants import granted_fields
from orchestration.sharing.published import Exchange
from orchestration.sharing.registry import Consumer


def private_dataset(exchange: Exchange, dataset_id: str) -> PrivateDataset:
    dataset = exchange.private.get(dataset_id)
    if dataset is None:
        known = ", ".join(sorted(exchange.private))
        raise NotFound(f"no private dataset {dataset_id[:100]!r}; there are: {known}")
    return dataset


def ask(
    engine: Engine,
    consumer: Consumer,
    exchange: Exchange,
    resolver: dp.Resolver,
    dataset_id: str,
    body: dict,
) -> dict:
    dataset = private_dataset(exchange, dataset_id)
    question = dp.question(body, dataset, granted_fields(engine, consumer, dataset.id))
    data = dp.frame(dataset_folder(exchange.paths.home, dataset), dataset)
    resolved = resolver(data, dataset, question)
    cost = question.epsilon
    left = budget.charge(engine, consumer, dataset.id, cost, dp.DELTA, question.as_dict())
    result = dp.answer(dp.release(data, resolved), resolved, dataset, question)
    result["privacy"]["epsilon_left"] = left
    return result


def describe(dataset: PrivateDataset) -> dict:
    """What a consumer needs to ask well: dimensions, measures and their bounds, the limits."""
    return {
        "id": dataset.id,
        "bureau": dataset.bureau,
        "title": {"zh": dataset.title, "en": dataset.title_en},
        "description": {"zh": dataset.description, "en": dataset.description_en},
        "dimensions": {d: dataset.columns[d] for d in dataset.dimensions},
        "measures": {
            m: {"description": dataset.columns[m], "clamped_to": list(bounds)}
            for m, bounds in dataset.measures.items()
        },
        "max_groups_per_person": dataset.max_groups,
        "max_rows_per_person_and_group": dataset.max_rows_per_group,
        "min_count": dataset.min_count,
        "max_epsilon_per_question": dp.MAX_EPSILON,
        "delta_per_question": dp.DELTA,
    }
