"""Translation of every user-facing text (gettext catalogs in engine/locale).

``_`` is looked up at call time, so switching language (``--lang``, the TUI) applies at once.
"""

from __future__ import annotations

import functools
import gettext
import locale
import os
from pathlib import Path

DOMAIN = "recouvrement"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "fr")

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def detect_language() -> str:
    """RECOUVREMENT_LANG, then the usual locale variables; English when unknown."""
    for var in ("RECOUVREMENT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
            if code not in ("c", "posix"):
                return "en"
    code = (locale.getlocale()[0] or "en").split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def set_language(language: str | None = None) -> str:
    global _current, _language
    language = (language or detect_language()).lower()
    if language not in LANGUAGES:
        language = "en"
    _language = language
    _current = translations(language)
    return language


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (one of LANGUAGES; another reads as English)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def gettext_in(language: str, message: str) -> str:
    """``message`` in ``language``, whatever the reader's: for a text written for someone
    else, such as the label of an entry that goes to the accounting (the company's
    ``document_language`` setting). Mark ``message`` with N_ where it is written."""
    return translations(language).gettext(message)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A text whose translation depends on where it stands (a column header, a status…)."""
    return _current.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a text for the catalog without translating it (translated where it is shown)."""
    return message


# Status words stored in the database, translated where they are shown: _(status).
STATUS_WORDS = (
    N_("todo"),
    N_("done"),
    N_("skipped"),
    N_("open"),
    N_("paused"),
    N_("closed"),
    N_("agent"),
    N_("manager"),
    N_("auditor"),
)
