"""What a list is asked for: plain values, no database code (screens hold them, and the
first screen is built before the database layer is imported)."""

from __future__ import annotations

from dataclasses import dataclass

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\\`` taken
    literally; use it with ``.ilike(pattern, escape=LIKE_ESCAPE)``. A NUL (pasted into a
    filter) is dropped: no stored text holds one, and the database would refuse it."""
    escaped = (
        text.replace("\x00", "")
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


@dataclass(frozen=True)
class DossierFilter:
    text: str = ""  # number, customer code or name, case-insensitive
    agent: str | None = None  # "mine only"
    status: str | None = None  # open | paused | closed; None: all
    sort: str = "number"
    descending: bool = False
