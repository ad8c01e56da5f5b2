"""What a list is asked for: plain values, no database code (screens hold them, and the
first screen is built before the database layer is imported). And how typed text is
matched: folded like the stored search keys (``fold``), its ``%`` and ``_`` literal."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

LIKE_ESCAPE = "\\"
SEPARATOR = "\x1f"  # between the parts of a search key: no typed text matches across it

# Letters that are not a base letter plus marks, so NFKD leaves them whole: spelt out the
# way French (and its neighbours) write them without the ligature or the stroke.
_SPELT_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def fold(text: str) -> str:
    """``text`` as search keys store it: case folded (``ß`` → ``ss``), compatibility forms
    decomposed (``ﬁ`` → ``fi``), accents and other combining marks dropped, ``œ``/``æ``
    spelt out. ``Établ``, ``établ`` and ``etabl`` fold alike."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().translate(_SPELT_OUT)


def search_key(*parts: str | None) -> str:
    """The stored key for a record matched on several texts (number, code, name…)."""
    return SEPARATOR.join(fold(part or "") for part in parts)


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


def key_pattern(text: str) -> str:
    """A LIKE pattern matching typed ``text`` inside a search key (``search_key``): folded
    the same way, with ``.like(pattern, escape=LIKE_ESCAPE)`` (plain LIKE: both sides are
    folded, so SQLite and PostgreSQL answer alike)."""
    return contains_pattern(fold(text).strip().replace(SEPARATOR, ""))


@dataclass(frozen=True)
class DossierFilter:
    text: str = ""  # number, customer code or name; case and accents ignored
    agent: str | None = None  # "mine only"
    status: str | None = None  # open | paused | closed; None: all
    sort: str = "number"
    descending: bool = False
