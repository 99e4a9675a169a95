"""Each consumer's privacy budget (ε) and the ledger of what it has spent.

Every differentially private answer costs the ε (and δ) the consumer asked it with; costs add
up (basic composition) over the consumer's lifetime, across datasets and nights, because the
people behind the data stay the same. A question that would take the spent ε past the budget
is refused before any data is touched. The budget is CITYBASE_DP_BUDGET (default 1.0) unless
the operator sets one for the consumer (`citybase consumers budget NAME EPSILON`).
"""

from __future__ import annotations

import os

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from orchestration import clock
from orchestration.sharing.errors import Forbidden, SharingError
from orchestration.sharing.registry import Consumer, consumer
from orchestration.sharing.state import privacy_budgets, privacy_ledger

BUDGET_VARIABLE = "CITYBASE_DP_BUDGET"
DEFAULT_BUDGET = 1.0


def default_budget() -> float:
    text = os.environ.get(BUDGET_VARIABLE, "").strip() or str(DEFAULT_BUDGET)
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise SharingError(f"{BUDGET_VARIABLE}={text!r}: give an ε above 0, such as 1.0")
    return value


def _budget_row(db: Connection, consumer: Consumer, lock: bool) -> float:
    """The consumer's budget, its row created on first use (and locked, when charging)."""
    query = select(privacy_budgets.c.epsilon).where(privacy_budgets.c.consumer_id == consumer.id)
    row = db.execute(query.with_for_update() if lock else query).first()
    if row is None:
        epsilon = default_budget()
        db.execute(
            insert(privacy_budgets).values(
                consumer_id=consumer.id, epsilon=epsilon, set_at=clock.now()
            )
        )
        return epsilon
    return row.epsilon


def _spent(db: Connection, consumer: Consumer) -> float:
    return float(
        db.execute(
            select(func.coalesce(func.sum(privacy_ledger.c.epsilon), 0.0)).where(
                privacy_ledger.c.consumer_id == consumer.id
            )
        ).scalar_one()
    )


def standing(engine: Engine, consumer: Consumer) -> dict:
    """The consumer's budget, what it has spent and what is left."""
    with engine.begin() as db:
        total = _budget_row(db, consumer, lock=False)
        spent = _spent(db, consumer)
    return {"epsilon_budget": total, "epsilon_spent": spent, "epsilon_left": max(total - spent, 0)}


def charge(
    engine: Engine, consumer: Consumer, dataset: str, epsilon: float, delta: float, question: dict
) -> float:
    """Records the spend of one answer and returns the ε left; refused (nothing recorded) when
    the answer would overspend the budget."""
    with engine.begin() as db:
        total = _budget_row(db, consumer, lock=True)
        spent = _spent(db, consumer)
        if spent + epsilon > total + 1e-12:
            raise Forbidden(
                f"privacy budget spent: this question costs ε={epsilon:g}, and {consumer.name} "
                f"has ε={max(total - spent, 0):g} left of {total:g}; the operator may raise it "
                "(citybase consumers budget)"
            )
        db.execute(
            insert(privacy_ledger).values(
                consumer_id=consumer.id,
                dataset=dataset,
                epsilon=epsilon,
                delta=delta,
                question=question,
                at=clock.now(),
            )
        )
    return total - spent - epsilon


def set_budget(engine: Engine, name: str, epsilon: float) -> dict:
    """Sets a consumer's lifetime budget (what it has spent stays spent)."""
    if not epsilon > 0:
        raise SharingError("give an ε above 0")
    who = consumer(engine, name)
    with engine.begin() as db:
        _budget_row(db, who, lock=True)
        db.execute(
            update(privacy_budgets)
            .where(privacy_budgets.c.consumer_id == who.id)
            .values(epsilon=epsilon, set_at=clock.now())
        )
    return standing(engine, who)
