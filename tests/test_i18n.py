"""The French catalog: complete, faithful to the placeholders, compiled, and used at run time.

A text added to the code without its French translation fails here with the list of
missing msgids: run ``python -m engine.i18n_tools update``, translate, then ``compile``.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from engine.i18n import DOMAIN, LOCALE_DIR, _, ngettext, set_language
from engine.i18n_tools import extract
from tui.cli import main
from tui.cli.output import EXIT_BAD_INPUT

PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Other tests expect English: whatever happens here, English comes back."""
    yield
    set_language("en")


@pytest.fixture(scope="module")
def pot(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every text the code marks with _(), N_() or ngettext(), as Babel extracts it."""
    path = tmp_path_factory.mktemp("catalog") / f"{DOMAIN}.pot"
    extract(path)
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def po() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="fr")


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def label(message: Message) -> str:
    return repr(message.id[0] if isinstance(message.id, tuple) else message.id)


def placeholders(text: str) -> set[tuple[str, str | None, str]]:
    """The {name!conversion:spec} fields of a str.format text."""
    return {
        (name, conversion, spec or "")
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


def shown(fields: set[tuple[str, str | None, str]]) -> str:
    def one(name: str, conversion: str | None, spec: str) -> str:
        return (
            "{"
            + name
            + ("!" + conversion if conversion else "")
            + (":" + spec if spec else "")
            + "}"
        )

    return " ".join(sorted(one(*f) for f in fields)) or "no placeholder"


def test_every_text_of_the_code_has_a_french_translation(pot: Catalog, po: Catalog) -> None:
    missing = []
    for message in messages(pot):
        entry = po.get(message.id, context=message.context)
        if (
            entry is None
            or entry.fuzzy
            or not forms(entry.string)
            or not all(s.strip() for s in forms(entry.string))
        ):
            missing.append(label(message))
    assert not missing, (
        f"{len(missing)} text(s) without a French translation in {PO.name} "
        "(run `python -m engine.i18n_tools update`, translate, then `compile`):\n"
        + "\n".join(missing)
    )


def test_no_fuzzy_entry_left(po: Catalog) -> None:
    assert not po.fuzzy, "the catalog header is marked fuzzy"
    fuzzy = [label(m) for m in messages(po) if m.fuzzy]
    assert not fuzzy, "fuzzy entries (check and unmark them):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders(po: Catalog) -> None:
    wrong = []
    for message in messages(po):
        sources = forms(message.id)
        expected = placeholders(sources[0])
        for source in sources[1:]:
            expected |= placeholders(source)
        for translation in forms(message.string):
            try:
                found = placeholders(translation)
            except ValueError as exc:  # a stray brace would break str.format at run time
                wrong.append(f"{label(message)}: {translation!r} is not a format text ({exc})")
                continue
            if translation and found != expected:
                wrong.append(
                    f"{label(message)}: expected {shown(expected)}, "
                    f"found {shown(found)} in {translation!r}"
                )
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_compiled_catalog_is_up_to_date(po: Catalog) -> None:
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for message in messages(po):
        if isinstance(message.id, tuple):
            singular, plural = message.id
            # One sample count for each plural form, by the catalog's own rule.
            samples: dict[int, int] = {}
            for n in (1, 2, 0, 3, 5, 11, 21, 100, 1_000_000):
                samples.setdefault(mo.plural(n), n)  # type: ignore[attr-defined]
            for index, text in enumerate(forms(message.string)):
                count = samples.get(index)
                if count is None or mo.ngettext(singular, plural, count) != text:
                    stale.append(f"{label(message)} (plural form {index})")
        elif message.context:
            if mo.pgettext(message.context, str(message.id)) != message.string:
                stale.append(label(message))
        elif mo.gettext(str(message.id)) != message.string:
            stale.append(label(message))
    assert not stale, (
        f"{MO.name} is older than {PO.name} (run `python -m engine.i18n_tools compile`):\n"
        + "\n".join(stale)
    )


def test_set_language_switches_at_once() -> None:
    set_language("fr")
    assert _("todo") == "à faire"
    assert [_(word) for word in ("done", "skipped")] == ["réalisée", "ignorée"]
    assert [_(word) for word in ("open", "paused", "closed")] == ["ouvert", "suspendu", "clôturé"]
    assert _("agent") == "chargé de recouvrement"
    one = "Nothing was imported from {path}: {count} invalid line."
    many = "Nothing was imported from {path}: {count} invalid lines."
    assert ngettext(one, many, 1).endswith("ligne invalide.")
    assert ngettext(one, many, 3).endswith("lignes invalides.")
    set_language("en")
    assert _("todo") == "todo"
    assert ngettext(one, many, 3) == many


def test_cli_speaks_french_with_lang_fr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "recouvrement.sqlite3"
    try:
        status = main(["--lang", "fr", "--db", str(missing), "dossier", "list"])
        err = capsys.readouterr().err
    finally:
        set_language("en")
    assert status == EXIT_BAD_INPUT == 2
    assert "Aucune base de données" in err
    assert "lancez d'abord `recouvrement init`" in err
    assert "No database" not in err
    assert not missing.exists()
    assert _("todo") == "todo"


@pytest.mark.parametrize(
    ("argv", "french"),
    [
        (["--lang", "fr", "--db", "{db}", "dossier", "list"], True),
        (["--db", "{db}", "--lang=fr", "dossier", "list"], True),
        # A command's own --lang (a template's language) leaves the interface alone.
        (["--db", "{db}", "templates", "export", "relance_1", "--lang", "fr"], False),
        (["--db", "{db}", "--user", "fr", "dossier", "list"], False),
    ],
)
def test_only_a_global_lang_sets_the_interface_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], french: bool
) -> None:
    missing = str(tmp_path / "nowhere" / "recouvrement.sqlite3")
    try:
        status = main([part.replace("{db}", missing) for part in argv])
        err = capsys.readouterr().err
    finally:
        set_language("en")
    assert status == EXIT_BAD_INPUT
    assert ("Aucune base de données" in err) is french
    assert ("No database" in err) is not french
