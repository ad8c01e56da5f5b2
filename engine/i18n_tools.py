"""Catalog maintenance with Babel: ``python -m engine.i18n_tools update`` extracts every
``_()``/``N_()`` text of engine/ and tui/, merges it into the .po catalogs and compiles the
.mo files that gettext reads at run time."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from engine.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("engine", "tui")
TRANSLATED = ("fr",)


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path) -> None:
    pybabel(
        "extract",
        "--no-location",
        "--sort-output",
        "-k",
        "_",
        "-k",
        "N_",
        "-k",
        "ngettext:1,2",
        "-k",
        "pgettext:1c,2",
        "--project",
        "recouvrement",
        "-o",
        str(pot),
        *(str(ROOT / source) for source in SOURCES),
    )


def update() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{DOMAIN}.pot"
        extract(pot)
        for language in TRANSLATED:
            po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
            if po.exists():
                pybabel(
                    "update",
                    "--no-fuzzy-matching",
                    "--ignore-obsolete",
                    "-D",
                    DOMAIN,
                    "-i",
                    str(pot),
                    "-d",
                    str(LOCALE_DIR),
                    "-l",
                    language,
                )
            else:
                pybabel("init", "-D", DOMAIN, "-i", str(pot), "-d", str(LOCALE_DIR), "-l", language)
    compile_catalogs()


def compile_catalogs() -> None:
    pybabel("compile", "--use-fuzzy", "-D", DOMAIN, "-d", str(LOCALE_DIR))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    {"update": update, "compile": compile_catalogs}[command]()
