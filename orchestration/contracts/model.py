"""The contract schema. Pydantic validates every file, so a mistake is reported at load time.

A contract describes one source: where it comes from, in which format, and how its columns map
onto a data standard (orchestration/standards). Whether the mapping fits its standard is checked
in mapping.py, where both are known."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Bureau and dataset names join with "__" into raw table names (GTFS adds "__<file>"), so they
# may not hold "__" themselves: two contracts can then never name the same raw table.
NAME = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
SQL_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]*$"
GTFS_STANDARD = "transport.gtfs"
ENV_REFERENCE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Scalar = str | int | float | bool


class Mapping(Strict):
    """How one column of the standard is filled from the delivery. Exactly one of `from`
    (a delivered column, any name), `value` (a constant) or `expr` (an expression over delivered
    columns) says where the value comes from; the rest says how it is read."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str | None = Field(None, alias="from", min_length=1)
    value: Scalar | None = None
    expr: str | None = Field(None, min_length=1)
    format: str | list[str] | None = Field(
        None, description="strptime format(s) of a date or timestamp, e.g. '%m/%d/%Y %I:%M %p'."
    )
    null: list[str] = Field(default_factory=list, description="Tokens that mean no value.")
    unit: str | None = Field(None, description="The delivered unit, converted to the standard's.")
    map: dict[str, Scalar] | None = Field(
        None, description="Delivered value -> value of the standard's code list."
    )

    @model_validator(mode="after")
    def _one_origin(self) -> Mapping:
        given = [
            n
            for n, v in (("from", self.source), ("value", self.value), ("expr", self.expr))
            if v is not None
        ]
        if len(given) != 1:
            raise ValueError(f"give exactly one of from, value or expr (given: {given or 'none'})")
        return self

    @property
    def origin(self) -> str:
        """How a message names where the value came from."""
        if self.source is not None:
            return f"column {self.source!r}"
        return f"constant {self.value!r}" if self.expr is None else f"expression {self.expr!r}"


class RestOptions(Strict):
    items_field: str = "items"
    page_param: str = "page"
    page_size_param: str = "page_size"
    page_size: int = Field(1000, gt=0)
    token_env: str | None = Field(
        None, description="Environment variable holding the bearer token."
    )
    timeout_seconds: float = Field(30, gt=0)
    retries: int = Field(4, ge=0)


class SqlOptions(Strict):
    table: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    date_column: str | None = Field(
        None, pattern=SQL_COLUMN, description="Rows of day D are those with this column on D."
    )
    order_by: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_, ]*$")


class AnomalyThresholds(Strict):
    """When a delivery differs from what the feed usually looks like on the same kind of day
    (orchestration/observability). A finding needs both a robust z-score of at least
    `z_score` and a change of at least the family's size below, so that a small feed's noise
    and a large feed's tiny but "significant" wobble are both left alone."""

    z_score: float = Field(4.0, gt=0, description="Robust z: |value - median| / (1.4826 MAD).")
    volume_change: float = Field(
        0.25, gt=0, description="Relative change of the row count that counts as a finding."
    )
    volume_drop_limit: float = Field(
        0.3,
        gt=0,
        le=1,
        description="A drop of the row count beyond this share of the baseline is blocking: "
        "the datasets built from the delivery are held back.",
    )
    null_share_jump: float = Field(
        0.1, gt=0, le=1, description="Rise of a column's share of empty values (0.1 = 10 points)."
    )
    level_factor: float = Field(
        3.0, gt=1, description="A column's mean this many times above or below its baseline."
    )
    category_shift: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Total variation distance between a coded column's value shares and its "
        "baseline (0.2: a fifth of the rows carry other codes than usual).",
    )
    arrival_delay_hours: float = Field(
        2.0, gt=0, description="Hours later than the delivery usually arrives."
    )
    window: int = Field(8, ge=3, description="Nights of the same day type the baseline uses.")
    min_history: int = Field(
        4, ge=2, description="Nights of history below which the baseline is still learning."
    )
    lookback_days: int = Field(70, ge=7, description="How far back the history is read.")


class BureauName(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Contract(Strict):
    dataset: str = Field(pattern=NAME)
    bureau: str = Field(pattern=NAME)
    bureau_name: BureauName | None = Field(
        None, description="The bureau's names, for a bureau (or county) not yet in the register."
    )
    standard: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="domain.entity of the data standard this source feeds (GTFS: transport.gtfs).",
    )
    replaces: bool = Field(
        False,
        description="True: this contract replaces the one of the same bureau and dataset found "
        "in an earlier folder (the built-in one); without it, a second definition is an error.",
    )
    namespace: str | None = Field(
        None,
        pattern=NAME,
        description="Prefixes the source's identifiers (keys, references) with '<namespace>:' so "
        "that two sources using the same ids (two counties' station S1) stay apart; give the "
        "same namespace to a source's register and to the facts that name it.",
    )
    title: str
    title_en: str
    description: str
    contact: str
    format: Literal["csv", "jsonl", "parquet", "xlsx", "rest", "sql", "gtfs"]
    location: str = Field(
        description="Path (relative to CITYBASE_HOME), URL or SQLAlchemy URL; "
        "{date} is the delivery day, ${VAR:-default} the environment."
    )
    encoding: str = "utf-8"
    timezone: str = Field(
        "Asia/Shanghai",
        description="The time zone of the feed's local times; time-zone-aware timestamps "
        "(Parquet, databases) are converted to it.",
    )
    sheet: str | None = None
    columns: dict[str, Mapping] = Field(
        default_factory=dict,
        description="Standard column -> how it is filled; a bare string is a delivered column.",
    )
    null_values: list[str] = Field(
        default_factory=list, description="Tokens that mean no value in every delivered column."
    )
    openness: Literal["unconditional", "conditional", "not_open"]
    update_frequency: Literal["daily", "on_change"]
    expected_delivery: dt.time = Field(
        description="Local time on the following day by which the delivery for a day is due."
    )
    max_reject_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Above this share of unparseable rows the delivery fails whole.",
    )
    anomalies: AnomalyThresholds = Field(
        default_factory=AnomalyThresholds,
        description="Thresholds of the anomaly checks (defaults suit most daily feeds).",
    )
    rest: RestOptions | None = None
    sql: SqlOptions | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: {"from": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        if self.format == "gtfs":
            if self.columns:
                raise ValueError("columns: a GTFS feed maps onto its standard by the reference")
            if self.standard not in (None, GTFS_STANDARD):
                raise ValueError(f"standard: a GTFS feed feeds {GTFS_STANDARD}")
        elif self.standard is None or not self.columns:
            raise ValueError(
                "standard: a dataset names the standard it feeds and maps its columns onto it"
            )
        if self.format == "rest" and self.rest is None:
            raise ValueError("rest: a REST dataset needs its rest options (items_field, paging)")
        if self.format == "sql" and self.sql is None:
            raise ValueError("sql: a SQL dataset needs its sql options (table, order_by)")
        if ".." in re.split(r"[\\/]", self.location):
            raise ValueError(
                "location: '..' may not climb out of the folder it names; give the path "
                "inside CITYBASE_HOME or a root listed in CITYBASE_DATA_ROOTS"
            )
        if self.format == "xlsx" and not self.sheet:
            raise ValueError("sheet: an xlsx dataset must name its sheet")
        if (
            self.update_frequency == "daily"
            and "{date}" not in self.location
            and not (self.sql and self.sql.date_column)
        ):
            raise ValueError(
                "location: a daily dataset needs {date} in its location (or sql.date_column)"
            )
        return self

    @property
    def key(self) -> str:
        """The source's name: its rows carry it in `_source`, its raw asset is keyed by it."""
        return f"{self.bureau}__{self.dataset}"

    @property
    def standard_id(self) -> str:
        return self.standard or GTFS_STANDARD

    @property
    def is_daily(self) -> bool:
        return self.update_frequency == "daily"

    def resolve_location(self, day: dt.date | None, home: str) -> str:
        """The location with {date}, {home} and ${VAR:-default} filled in."""

        def env(match: re.Match[str]) -> str:
            value = os.environ.get(match["name"], match["default"])
            if value is None:
                raise KeyError(
                    f"contract {self.key}: environment variable {match['name']} is "
                    "not set and has no default; set it to the feed's location"
                )
            return value

        text = self.location.replace("{home}", home)
        text = text.replace("{date}", day.isoformat()) if day else text
        return ENV_REFERENCE.sub(env, text)
