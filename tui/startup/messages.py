"""What the start-up process sends through its pipe, one dataclass per kind of answer.

The app asks for an answer by its class (``RecouvrementApp.prefetched(FirstRows)``); each is
taken once. Plain values only: they are pickled by the child and read by the parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class FirstRows:
    """The dossier list's first page, for its first filter (tui.startup.first_screen)."""

    rows: list[Row]


@dataclass(frozen=True)
class FirstCount:
    """How many dossiers the first filter finds."""

    count: int


@dataclass(frozen=True)
class FirstTotals:
    """The list's header for the first filter: dossiers, balance, actions due today."""

    totals: Row


@dataclass(frozen=True)
class Fatal:
    """The database cannot be used (none, not initialised, the login refused…): the app
    closes with this message, the command line's, and exit status 2."""

    message: str


@dataclass(frozen=True)
class Failed:
    """Something else went wrong in the start-up process: the list reads its rows itself."""

    error: str


Message = FirstRows | FirstCount | FirstTotals | Fatal | Failed

# What the list may take; what ``Prefetch.drop`` forgets once it is out of date.
FIRST_SCREEN: tuple[type[Message], ...] = (FirstRows, FirstCount, FirstTotals)
