"""The contract schema. Pydantic validates every file, so a mistake is reported at load time."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
# Bureau and dataset names join with "__" into raw table names (GTFS adds "__<file>"), so they
# may not hold "__" themselves: two contracts can then never name the same raw table.
NAME = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
SQL_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ColumnType = Literal["varchar", "integer", "bigint", "double", "boolean", "date", "timestamp"]
PersonalKind = Literal["id_number", "phone", "name", "card_number"]
ENV_REFERENCE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(Strict):
    name: str = Field(pattern=IDENTIFIER)
    type: ColumnType = "varchar"
    required: bool = Field(False, description="A delivery without this column is rejected whole.")
    description: str = ""


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


class Contract(Strict):
    dataset: str = Field(pattern=NAME)
    bureau: str = Field(pattern=NAME)
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
    columns: list[Column] = Field(default_factory=list)
    keys: list[str] = Field(default_factory=list)
    personal_data: dict[str, PersonalKind] = Field(default_factory=dict)
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
    rest: RestOptions | None = None
    sql: SqlOptions | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        names = [c.name for c in self.columns]
        if self.format != "gtfs" and not names:
            raise ValueError("columns: a non-GTFS dataset must declare its columns")
        if len(set(names)) != len(names):
            raise ValueError("columns: a column is declared twice")
        for field_name, listed in (("keys", self.keys), ("personal_data", self.personal_data)):
            unknown = sorted(set(listed) - set(names))
            if unknown:
                raise ValueError(f"{field_name}: {unknown} are not declared columns")
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
        return f"{self.bureau}__{self.dataset}"

    @property
    def is_daily(self) -> bool:
        return self.update_frequency == "daily"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

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
