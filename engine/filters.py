"""What a list is asked for: plain values, no database code (screens hold them, and the
first screen is built before the database layer is imported)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DossierFilter:
    text: str = ""  # number, customer code or name, case-insensitive
    agent: str | None = None  # "mine only"
    status: str | None = None  # open | paused | closed; None: all
    sort: str = "number"
    descending: bool = False
