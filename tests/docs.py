"""The questions docs/analysts.md asks of the demo city, with the answers it quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ANALYSTS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "analysts.md"
# A bold question, its SQL, then the answer the page quotes (one row per line).
QUESTION = re.compile(
    r"\*\*(?P<title>[^*]+)\*\*\s*```sql\n(?P<sql>.*?)```\s*```\n(?P<answer>.*?)```", re.S
)


@dataclass(frozen=True)
class DocsQuestion:
    title: str
    sql: str
    answer: list[str]


def docs_questions() -> list[DocsQuestion]:
    found = [
        DocsQuestion(m["title"], m["sql"], m["answer"].splitlines())
        for m in QUESTION.finditer(ANALYSTS_PAGE.read_text(encoding="utf-8"))
    ]
    assert found, f"{ANALYSTS_PAGE} asks no question the tests can find"
    return found


def format_row(row: tuple) -> str:
    """A result row as the page prints it: values separated by two spaces."""
    return "  ".join(str(value) for value in row)
