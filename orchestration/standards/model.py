"""The data-standard schema (数据标准). A standard is what the warehouse knows of one entity,
whoever delivers it: canonical column names, types, units, code lists, keys and which columns
are personal. Contracts map a source onto a standard; staging reads standards, not sources."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
NAME = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
ColumnType = Literal["varchar", "integer", "bigint", "double", "boolean", "date", "timestamp"]
PersonalKind = Literal["id_number", "phone", "name", "card_number"]
# What the load works out of a personal value before it is replaced by its pseudonym.
PersonalFactKind = Literal["checksum_ok", "sex", "age_years", "region_code", "phone_valid"]
PERSONAL_FACT_TYPES: dict[str, str] = {
    "checksum_ok": "boolean",
    "sex": "varchar",
    "age_years": "integer",
    "region_code": "varchar",
    "phone_valid": "boolean",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(Strict):
    """A column as a reader takes it from a file: its delivered name (any string), whether a
    delivery without it is rejected whole, and the type its text must parse as (GTFS)."""

    name: str = Field(min_length=1)
    type: ColumnType = "varchar"
    required: bool = Field(False, description="A delivery without this column is rejected whole.")
    description: str = ""


class PersonalFact(Strict):
    of: str = Field(pattern=IDENTIFIER, description="The personal column it is worked out of.")
    fact: PersonalFactKind
    at: str | None = Field(
        None, pattern=IDENTIFIER, description="age_years: the timestamp column the age is at."
    )


class StandardColumn(Strict):
    name: str = Field(pattern=IDENTIFIER)
    type: ColumnType = "varchar"
    description: str
    description_zh: str = ""
    required: bool = Field(
        False, description="Every row must hold a value; a row without one is quarantined."
    )
    unit: str | None = Field(None, description="The unit values are held in (units.yaml).")
    codes: list[str] | None = Field(None, description="The code list values must come from.")
    pattern: str | None = Field(None, description="A regular expression every value matches.")
    range: tuple[float | None, float | None] | None = Field(
        None, description="Inclusive physical bounds; values outside are not measurements."
    )
    references: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
        description="domain.entity.column of the reference data a value must exist in.",
    )
    reference_severity: Literal["critical", "warning"] = Field(
        "critical", description="warning: an unknown reference is reported, the row kept."
    )
    division_code: bool = Field(
        False,
        description="An administrative division code: delivered in any national form "
        "(2, 4, 6, 9 or 12 digits), held as 12 digits.",
    )
    personal: PersonalKind | None = Field(
        None, description="Delivered as personal data; held as its keyed pseudonym."
    )
    personal_fact: PersonalFact | None = None
    staged: bool = Field(
        True, description="False: kept in the raw layer for checks, not carried into staging."
    )


class Standard(Strict):
    domain: str = Field(pattern=NAME, description="The domain (and its bureau) it belongs to.")
    entity: str = Field(pattern=NAME)
    title: str
    title_en: str
    description: str
    role: Literal["reference", "fact"] = Field(
        description="Reference data (registers, catalogues) lands before the facts checked "
        "against it."
    )
    columns: list[StandardColumn]
    keys: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("columns: a column is declared twice")
        unknown = sorted(set(self.keys) - set(names))
        if unknown:
            raise ValueError(f"keys: {unknown} are not columns of the standard")
        for column in self.columns:
            fact = column.personal_fact
            if fact is None:
                continue
            if fact.of not in names or self.column(fact.of).personal is None:
                raise ValueError(f"columns.{column.name}: {fact.of} is not a personal column")
            if (fact.fact == "age_years") != (fact.at is not None):
                raise ValueError(f"columns.{column.name}: age_years (and only it) needs 'at'")
            if column.type != PERSONAL_FACT_TYPES[fact.fact]:
                raise ValueError(
                    f"columns.{column.name}: {fact.fact} is a {PERSONAL_FACT_TYPES[fact.fact]}"
                )
        return self

    @property
    def id(self) -> str:
        """How contracts name it: domain.entity."""
        return f"{self.domain}.{self.entity}"

    @property
    def table(self) -> str:
        """The raw table (and dbt source table) every source of this standard lands in."""
        return f"{self.domain}__{self.entity}"

    @property
    def staging_model(self) -> str:
        return f"stg_{self.domain}__{self.entity}"

    def column(self, name: str) -> StandardColumn:
        return next(c for c in self.columns if c.name == name)

    @property
    def delivered_columns(self) -> list[StandardColumn]:
        """The columns a contract maps (personal facts are worked out by the load)."""
        return [c for c in self.columns if c.personal_fact is None]

    @property
    def personal(self) -> dict[str, str]:
        return {c.name: c.personal for c in self.columns if c.personal}
