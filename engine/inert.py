"""Text from data, made inert for a terminal (docs/RULES.md).

Customer names, labels, notes and reasons come from imported files and from other people.
Shown raw, a control character in them drives the terminal: ``ESC ] 0 ;`` sets its title,
``ESC [ 2 J`` clears it, ``ESC ] 52`` writes the clipboard, ``\\r`` hides the start of a row,
a bidi override reorders what follows. ``inert`` turns each of them into a visible escape
(``\\x1b``, ``\\r``, ``\\u202e``) and leaves every other character as it is (accents, €, œ, ’,
CJK, emoji). Every text the command line prints and every text a screen draws from data
goes through it once, where it is shown; JSON (``engine.reads.views.to_json``) stays exact and
escapes the same characters the JSON way (``inert_escaped``).

Imported by the TUI before its first paint: nothing but ``re`` here.
"""

from __future__ import annotations

import re

# C0 except tab (and newline in multi-line text), DEL, C1; the bidi embeddings, overrides,
# isolates and marks that reorder what follows them; the Unicode line and paragraph
# separators that break a line.
_BIDI_AND_SEPARATORS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
UNSAFE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f{_BIDI_AND_SEPARATORS}]")
UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f{_BIDI_AND_SEPARATORS}]")  # keeps \n

_NAMED = {"\n": "\\n", "\r": "\\r"}


def visible(char: str) -> str:
    """The escape that shows ``char``: ``\\n``, ``\\r``, ``\\x1b``, ``\\x9b``, ``\\u202e``."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def first_unsafe(text: str, multiline: bool = False) -> str | None:
    """The visible escape of the first character of ``text`` that :func:`inert` would
    escape (``\\x1b``, ``\\r``, ``\\u202e``…), or None when there is none: what a check of
    typed text names when it refuses it (``engine.parsing.check_text(plain=True)``)."""
    if text.isprintable():
        return None
    found = (UNSAFE_MULTILINE if multiline else UNSAFE_LINE).search(text)
    return None if found is None else visible(found.group())


def _visible(match: re.Match[str]) -> str:
    return visible(match.group())


def inert(value: object, multiline: bool = False) -> str:
    """``value`` as text fit to show in a terminal: every control character (C0 but tab,
    DEL, C1), bidi control and line separator as a visible escape. ``multiline=True`` keeps
    ``\\n`` as a line break (a note shown in a multi-line area); nothing else is kept.
    ``None`` reads as an empty string."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the usual case, checked in C: no control, no separator
        return text
    pattern = UNSAFE_MULTILINE if multiline else UNSAFE_LINE
    if pattern.search(text) is None:  # a tab, a no-break space…: shown as they are
        return text
    return pattern.sub(_visible, text)


_JSON_UNSAFE = re.compile(f"[{_BIDI_AND_SEPARATORS}]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def inert_escaped(text: str) -> str:
    """JSON or TOML text (``json.dumps(..., ensure_ascii=False)``, ``tomli_w``) with DEL,
    C1, bidi controls and line separators written as ``\\u007f``, ``\\u009b``…: the
    encoders escape C0 only (and DEL, for TOML). Still exact: those characters only ever
    occur inside strings, where both formats read the escape back as the character."""
    if _JSON_UNSAFE.search(text) is None:
        return text
    return _JSON_UNSAFE.sub(_json_escape, text)
