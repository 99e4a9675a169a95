"""Defects injected on purpose, with a ground-truth record of each one.

Real feeds carry missing values, duplicates, impossible values, unknown division codes, wrong ID
check digits, late rows, malformed lines and renamed columns. The demo injects each kind at the
requested rate and writes where it put it, so tests can measure what the platform catches.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

GROUND_TRUTH_COLUMNS = ["date", "bureau", "dataset", "file", "line", "kind", "column", "detail"]


@dataclass
class Injector:
    """Injects defects into one delivery (one frame that becomes one file)."""

    rng: np.random.Generator
    rate: float
    day: dt.date
    bureau: str
    dataset: str
    pending: list[tuple[int, str, str, str]] = field(default_factory=list)
    malformed_before: dict[int, str] = field(default_factory=dict)
    _touched: set[int] = field(default_factory=set)

    def _pick(self, n: int) -> np.ndarray:
        if self.rate <= 0 or n == 0:
            return np.array([], dtype=int)
        k = max(1, round(n * self.rate / 4))
        free = np.setdiff1d(np.arange(n), np.fromiter(self._touched, int, len(self._touched)))
        chosen = np.sort(self.rng.choice(free, min(k, len(free)), replace=False))
        self._touched.update(chosen.tolist())
        return chosen

    def _record(self, rows: np.ndarray, kind: str, column: str, detail: str) -> None:
        self.pending.extend((int(i), kind, column, detail) for i in rows)

    def missing(self, df: pd.DataFrame, column: str) -> None:
        rows = self._pick(len(df))
        df.loc[rows, column] = None
        self._record(rows, "missing_value", column, "value removed")

    def out_of_range(self, df: pd.DataFrame, column: str, value: float) -> None:
        rows = self._pick(len(df))
        df[column] = df[column].astype(object)
        df.loc[rows, column] = value
        self._record(rows, "out_of_range", column, f"set to {value}")

    def invalid_division(self, df: pd.DataFrame, column: str) -> None:
        rows = self._pick(len(df))
        df.loc[rows, column] = "339999" + df.loc[rows, column].str[6:]
        self._record(rows, "invalid_division_code", column, "county code 339999 does not exist")

    def bad_id_checksum(self, df: pd.DataFrame, column: str) -> None:
        rows = self._pick(len(df))
        ids = df.loc[rows, column]
        wrong = ids.str[:17] + ids.str[17].map(lambda c: "0" if c != "0" else "1")
        df.loc[rows, column] = wrong
        self._record(rows, "bad_id_checksum", column, "last digit altered")

    def late(self, df: pd.DataFrame, column: str) -> None:
        rows = self._pick(len(df))
        shifted = pd.to_datetime(df.loc[rows, column]) - pd.Timedelta(days=1)
        df.loc[rows, column] = shifted.dt.strftime("%Y-%m-%d %H:%M:%S")
        self._record(rows, "late_row", column, "event of the previous day delivered today")

    def duplicates(self, df: pd.DataFrame) -> pd.DataFrame:
        rows = self._pick(len(df))
        self._record(np.arange(len(df), len(df) + len(rows)), "duplicate_row", "", "exact copy")
        return pd.concat([df, df.iloc[rows]], ignore_index=True)

    def malformed(self, n_rows: int, text: str) -> None:
        if self.rate <= 0 or n_rows == 0:
            return
        position = int(self.rng.integers(0, n_rows))
        self.malformed_before[position] = text

    def renamed_column(self, df: pd.DataFrame, column: str) -> pd.DataFrame:
        """Renames an optional column in about one delivery in ten at the default rate."""
        if self.rate <= 0 or self.rng.random() >= min(1.0, self.rate * 10):
            return df
        self.pending.append((-1, "renamed_column", column, f"{column} delivered as {column}_v2"))
        return df.rename(columns={column: f"{column}_v2"})

    def cut(self, n_rows: int) -> None:
        """Only the first `n_rows` rows are delivered: the defects beyond them go with them."""
        self.pending = [p for p in self.pending if p[0] < n_rows]
        self.malformed_before = {k: v for k, v in self.malformed_before.items() if k < n_rows}

    def ground_truth(self, file: str, header_lines: int) -> list[dict]:
        """Rows of the ground-truth file, with each defect's line number in the written file."""
        shifts = sorted(self.malformed_before)

        def row(line: int, kind: str, column: str, detail: str) -> dict:
            return dict(
                date=self.day.isoformat(),
                bureau=self.bureau,
                dataset=self.dataset,
                file=file,
                line=line,
                kind=kind,
                column=column,
                detail=detail,
            )

        out = []
        for index, kind, column, detail in self.pending:
            shift = bisect.bisect_right(shifts, index)
            out.append(
                row(0 if index < 0 else index + header_lines + 1 + shift, kind, column, detail)
            )
        for i, position in enumerate(shifts):
            out.append(
                row(position + header_lines + 1 + i, "malformed_line", "", "line cannot be parsed")
            )
        return out
