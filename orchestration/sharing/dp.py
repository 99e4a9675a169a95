"""Differentially private answers over the private lake: usable but invisible (可用不可见).

A consumer with a grant on a private dataset asks for counts, sums and means, grouped by some
of its dimensions and filtered on them; OpenDP (its Polars context) answers:

- the privacy unit is a person, by pseudonym: each person counts in at most `max_groups`
  groups of a question and with at most `max_rows_per_group` rows in each (OpenDP's
  truncations; rows beyond the bounds are left out of the answer);
- each measure is clamped to its declared [low, high] and summed in whole units (fractions
  dropped: OpenDP sums integers exactly, floats only with a looser bound);
- group keys are not public: a group is released only when its noisy count passes OpenDP's
  threshold for the question's δ; any answer (a group, or a total filtered down) whose noisy
  count is below the dataset's small-cell minimum (health 10, others 5) is withheld too;
- every statistic comes with its 95 % interval from the noise's known distribution (for a
  mean, from the 97.5 % intervals of its sum and count, which hold together at ≥ 95 %).

The noise depends on ε, the bounds and nothing else; the interval does not cover the error of
truncation (a person beyond the bounds is under-counted), which the bounds are chosen to keep
rare. Resolving a question into a measurement takes OpenDP a few seconds (a search for the
noise scale); measurements are cached per question, and the cost in ε is the same each time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Literal

import opendp.prelude as dp
import polars as pl

from orchestration.publish.private import DAY_COLUMN, PrivateDataset
from orchestration.sharing.errors import NotFound, SharingError

dp.enable_features("contrib")  # OpenDP's Polars context is in its "contrib" set

DELTA = 1e-8  # per answer: the chance that a group below the threshold is released at all
MAX_EPSILON = 1.0  # per answer
DEFAULT_EPSILON = 0.1
ALPHA = 0.05  # 95 % intervals
MAX_ROWS_BOUND = 2**32 - 1  # a public bound on any group's length (OpenDP needs one for sums)
MAX_GROUP_BY, MAX_VALUES = 3, 50
Kind = Literal["count", "sum", "mean"]


@dataclass(frozen=True)
class Statistic:
    kind: Kind
    column: str | None = None

    @property
    def name(self) -> str:
        return self.kind if self.column is None else f"{self.kind}_{self.column}"


@dataclass(frozen=True)
class Question:
    dataset: str
    group_by: tuple[str, ...]
    statistics: tuple[Statistic, ...]
    where: tuple[tuple[str, tuple[str, ...]], ...]  # column -> any of these values
    since: dt.date | None
    until: dt.date | None
    epsilon: float

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(sorted({s.column for s in self.statistics if s.column}))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["since"] = self.since and self.since.isoformat()
        data["until"] = self.until and self.until.isoformat()
        return data


def _names(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SharingError(f"{what}: give a list of column names")
    return value


def _date(value: Any, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SharingError(f"{what}: give a day as YYYY-MM-DD") from None


def _statistics(value: Any, dataset: PrivateDataset) -> tuple[Statistic, ...]:
    if value is None:
        value = ["count"]
    if not isinstance(value, list) or not value or len(value) > 10:
        raise SharingError('statistics: give a list such as ["count", {"mean": "column"}]')
    found = []
    for item in value:
        if item == "count":
            found.append(Statistic("count"))
            continue
        if not (isinstance(item, dict) and len(item) == 1):
            raise SharingError(f"statistics: {str(item)[:80]!r} is not count, sum or mean")
        kind, column = next(iter(item.items()))
        if (
            kind not in ("sum", "mean")
            or not isinstance(column, str)
            or column not in dataset.measures
        ):
            raise SharingError(
                f"statistics: {kind!s:.20} of {column!s:.60} is not offered; "
                f"sum and mean take one of {', '.join(dataset.measures)}"
            )
        found.append(Statistic(kind, column))
    return tuple(dict.fromkeys(found))


def question(body: dict, dataset: PrivateDataset, granted: list[str] | None) -> Question:
    """The question in a request body, checked against what the dataset offers and the
    consumer's grant. Nothing in it reaches OpenDP or Polars but known column names and
    values as literals."""
    unknown = sorted(set(body) - {"group_by", "statistics", "where", "since", "until", "epsilon"})
    if unknown:
        raise SharingError(f"unknown parameter {', '.join(unknown)[:100]}")
    group_by = _names(body.get("group_by"), "group_by")
    if len(group_by) > MAX_GROUP_BY or len(set(group_by)) != len(group_by):
        raise SharingError(f"group_by: up to {MAX_GROUP_BY} different dimensions")
    where = body.get("where") or {}
    if not isinstance(where, dict):
        raise SharingError('where: give {"dimension": value or [values]}')
    if DAY_COLUMN in where:
        raise SharingError(f"where: choose days with since and until, not {DAY_COLUMN}")
    conditions = []
    for column, values in where.items():
        values = values if isinstance(values, list) else [values]
        if not values or len(values) > MAX_VALUES:
            raise SharingError(f"where.{column!s:.60}: give 1 to {MAX_VALUES} values")
        if not all(isinstance(v, str | int) and len(str(v)) <= 100 for v in values):
            raise SharingError(f"where.{column!s:.60}: values are codes (text up to 100)")
        conditions.append((column, tuple(sorted({str(v) for v in values}))))
    statistics = _statistics(body.get("statistics"), dataset)
    used = {*group_by, *(c for c, _ in conditions), *(s.column for s in statistics if s.column)}
    for column in sorted(used):
        if column not in dataset.fields:
            raise SharingError(
                f"{column[:60]!r} cannot be asked of {dataset.id}: group and filter by "
                f"{', '.join(dataset.dimensions)} (days with since/until), measure "
                f"{', '.join(dataset.measures)}"
            )
        if granted is not None and column not in granted:
            raise SharingError(f"your grant on {dataset.id} does not cover {column}")
    epsilon = body.get("epsilon", DEFAULT_EPSILON)
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise SharingError("epsilon: give a number")
    if not 0 < epsilon <= MAX_EPSILON:
        raise SharingError(f"epsilon: give a value above 0 and at most {MAX_EPSILON}")
    return Question(
        dataset=dataset.id,
        group_by=tuple(group_by),
        statistics=statistics,
        where=tuple(sorted(conditions)),
        since=_date(body.get("since"), "since"),
        until=_date(body.get("until"), "until"),
        epsilon=float(epsilon),
    )


def frame(folder, dataset: PrivateDataset) -> pl.LazyFrame:
    """The dataset's rows in the lake, read lazily (only the days and columns a question
    needs are read)."""
    files = sorted(folder.glob(f"{DAY_COLUMN}=*/data.parquet"))
    if not files:
        raise NotFound(f"{dataset.id} has no data yet: the nightly build writes it")
    return pl.scan_parquet(
        [str(f) for f in files], hive_partitioning=True, hive_schema={DAY_COLUMN: pl.String}
    ).select(dataset.identifier, *dataset.fields)


def _condition(question: Question) -> pl.Expr | None:
    parts: list[pl.Expr] = []
    for column, values in question.where:
        either = pl.col(column) == pl.lit(values[0])
        for value in values[1:]:  # OpenDP takes ==, | and &, not is_in
            either = either | (pl.col(column) == pl.lit(value))
        parts.append(either)
    if question.since:
        parts.append(pl.col(DAY_COLUMN) >= pl.lit(question.since.isoformat()))
    if question.until:
        parts.append(pl.col(DAY_COLUMN) <= pl.lit(question.until.isoformat()))
    parts += [pl.col(m).is_not_null() for m in question.measures]
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


def _aggregates(question: Question, dataset: PrivateDataset) -> list[pl.Expr]:
    aggregates = [dp.len(signed=False).alias("count")]
    for column in question.measures:
        low, high = (round(b) for b in dataset.measures[column])
        aggregates.append(
            pl.col(column)
            .fill_null(0)
            .clip(low, high)
            .cast(pl.Int64)  # whole units, fractions dropped: OpenDP sums integers exactly
            .dp.sum((low, high))
            .alias(f"sum_{column}")
        )
    return aggregates


@dataclass(frozen=True)
class Resolved:
    measurement: dp.Measurement
    accuracy: dict[str, float]  # statistic column -> half-width at ALPHA
    accuracy_joint: dict[str, float]  # at ALPHA / 2, for intervals of means
    scale: dict[str, float]
    threshold: int | None


def resolve(data: pl.LazyFrame, dataset: PrivateDataset, question: Question) -> Resolved:
    context = dp.Context.compositor(
        data=data,
        privacy_unit=dp.unit_of(contributions=1, identifier=dataset.identifier),
        privacy_loss=dp.loss_of(epsilon=question.epsilon, delta=DELTA),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=[], max_length=MAX_ROWS_BOUND)],
    )
    query = context.query()
    if (condition := _condition(question)) is not None:
        query = query.filter(condition)
    by = list(question.group_by)
    query = query.truncate_per_group(dataset.max_rows_per_group, by=by)
    if by:
        # keep="first": OpenDP 0.16's random choice of groups fails on a Polars name clash
        query = query.truncate_num_groups(dataset.max_groups, by=by, keep="first")
        query = query.group_by(by).agg(*_aggregates(question, dataset))
    else:
        query = query.select(*_aggregates(question, dataset))
    measurement = query.resolve()

    def summary(alpha: float) -> list[dict]:
        return dp.summarize_polars_measurement(measurement, alpha).to_dicts()

    rows = summary(ALPHA)
    names = [item.get("column") for item in rows]
    threshold = next((r.get("threshold") for r in rows if r.get("threshold") is not None), None)
    return Resolved(
        measurement=measurement,
        accuracy={n: r["accuracy"] for n, r in zip(names, rows, strict=True)},
        accuracy_joint={n: r["accuracy"] for n, r in zip(names, summary(ALPHA / 2), strict=True)},
        scale={n: r["scale"] for n, r in zip(names, rows, strict=True)},
        threshold=threshold,
    )


class Resolver:
    """Resolved measurements, kept per question: OpenDP's search for the noise scale is the
    slow part of an answer, and it depends on the question and the schema, not the rows."""

    def __init__(self, size: int = 256):
        self._cache: OrderedDict[tuple, Resolved] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def __call__(self, data: pl.LazyFrame, dataset: PrivateDataset, q: Question) -> Resolved:
        key = (q, tuple(data.collect_schema().items()))  # q names its dataset
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        resolved = resolve(data, dataset, q)
        with self._lock:
            self._cache[key] = resolved
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return resolved


def release(data: pl.LazyFrame, resolved: Resolved) -> pl.DataFrame:
    """Runs the measurement on the rows: the one step that spends privacy."""
    return resolved.measurement(data).collect()


def _interval(value: float, half: float, low: float = 0.0) -> dict:
    return {"value": value, "low": max(value - half, low), "high": value + half}


def answer(
    released: pl.DataFrame, resolved: Resolved, dataset: PrivateDataset, q: Question
) -> dict:
    """The released groups as the consumer reads them: each statistic with its interval;
    groups under the small-cell minimum withheld. Only post-processing: no privacy spent."""
    groups = []
    for row in released.sort(list(q.group_by) or "count").to_dicts():
        count = float(row["count"])
        if count < dataset.min_count:  # a small cell, grouped or filtered down to
            continue
        group = {c: _text(row[c]) for c in q.group_by}
        for statistic in q.statistics:
            if statistic.kind == "count":
                group["count"] = _interval(count, resolved.accuracy["count"])
                continue
            column = statistic.column
            low, high = dataset.measures[column]
            total = float(row[f"sum_{column}"])
            if statistic.kind == "sum":
                group[statistic.name] = _interval(total, resolved.accuracy[f"sum_{column}"])
                continue
            a_sum = resolved.accuracy_joint[f"sum_{column}"]
            a_count = resolved.accuracy_joint["count"]
            mean = total / count if count > 0 else None
            group[statistic.name] = {
                "value": None if mean is None else min(max(mean, low), high),
                "low": max(low, (total - a_sum) / (count + a_count)) if count > 0 else low,
                "high": min(high, (total + a_sum) / (count - a_count)) if count > a_count else high,
            }
        groups.append(group)
    return {
        "dataset": dataset.id,
        "question": q.as_dict(),
        "groups": groups,
        "privacy": {
            "epsilon": q.epsilon,
            "delta": DELTA,
            "unit": "one person (by pseudonym)",
            "max_groups_per_person": dataset.max_groups if q.group_by else 1,
            "max_rows_per_person_and_group": dataset.max_rows_per_group,
            "clamped": {m: list(dataset.measures[m]) for m in q.measures},
            "threshold": resolved.threshold,
            "min_count": dataset.min_count,
            "noise": {"distribution": "Integer Laplace", "scale": resolved.scale},
            "interval": "95%",
        },
    }


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
