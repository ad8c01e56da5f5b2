"""The Templates screen (mode `7`): every built-in listed in both languages, a preview made
with a real dossier, a manager's edit saved as a new version, a refused edit kept in the
editor with nothing saved, Escape asking, an agent refused, reset, the $EDITOR path; the
preview's read on both backends; snapshots at 120×40 in English and French."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from engine.documents.templates import TEMPLATE_NAMES, builtin_text, save_template
from engine.errors import NotFound
from engine.i18n import set_language
from engine.reads.templates import template_preview
from models.tables import DocumentTemplate
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.forms import ConfirmForm
from tui.screens.template_editor import TemplateEditor, TemplatePreview
from tui.screens.templates import TemplatesScreen


def versions(db: TestDB, name: str, language: str) -> list[DocumentTemplate]:
    with db.session() as session:
        rows = session.exec(
            select(DocumentTemplate)
            .where(DocumentTemplate.name == name, DocumentTemplate.language == language)
            .order_by(col(DocumentTemplate.version))
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


async def open_templates(app: RecouvrementApp, pilot: Pilot[None]) -> TemplatesScreen:
    await settle(pilot)
    await pilot.press("7")
    await wait_for(pilot, lambda: isinstance(app.screen, TemplatesScreen))
    screen = app.screen
    assert isinstance(screen, TemplatesScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


async def go_to(screen: TemplatesScreen, pilot: Pilot[None], name: str, language: str) -> None:
    keys = [r["key"] for r in screen.source.rows]
    screen.table.body.move_to(keys.index(f"{name}.{language}"))
    await pilot.pause()


async def open_editor(app: RecouvrementApp, pilot: Pilot[None]) -> TemplateEditor:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, TemplateEditor))
    editor = app.screen
    assert isinstance(editor, TemplateEditor)
    return editor


def error_of(editor: TemplateEditor) -> str:
    return str(editor.query_one("#error", Static).render())


def messages(app: RecouvrementApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_list_shows_every_builtin_in_both_languages(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        rows = screen.source.rows
        assert {(r["name"], r["language"]) for r in rows} == {
            (name, language) for name in TEMPLATE_NAMES for language in ("fr", "en")
        }
        assert len(rows) == 2 * len(TEMPLATE_NAMES)
        assert all(r["version"] == 0 and r["text"] == "built-in" for r in rows)
        purposes = {r["name"]: r["purpose_text"] for r in rows}
        assert purposes["mise_en_demeure"] == "formal notice (registered)"
        assert purposes["avis_echeance"] == "preventive reminder"
        assert "Letter templates" in str(screen.query_one("#title", Static).render())
        assert screen.sub_title == "Templates"
        await pilot.press("q")


async def test_preview_shows_a_real_dossier(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "notification", "fr")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplatePreview))
        preview = app.screen
        assert isinstance(preview, TemplatePreview)
        await wait_for(pilot, lambda: preview.data is not None)
        source = str(preview.query_one("#source", Static).render())
        letter = preview.query_one("#letter", TextArea).text
        # The first open dossier (D000003 is paused): D000001, Dupont Frères SARL's.
        assert "D000001" in source and "Dupont Frères SARL" in source
        assert "D000001" in letter and "Dupont Frères SARL" in letter
        assert "Ouverture du dossier de recouvrement D000001" in letter
        assert preview.query_one("#letter", TextArea).read_only
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # d: another dossier; the preview opens with it, a customer's letter too.
        await go_to(screen, pilot, "releve", "en")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen is not screen)
        prompt = app.screen
        # A number no dossier has: refused inside the box, which stays open.
        await pilot.press(*"D999999", "enter")
        await wait_for(pilot, lambda: "D999999" in str(prompt.query_one("#error").render()))
        assert app.screen is prompt
        await pilot.press("ctrl+u", *"d000004", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplatePreview))
        preview = app.screen
        assert isinstance(preview, TemplatePreview)
        await wait_for(pilot, lambda: preview.data is not None)
        source = str(preview.query_one("#source", Static).render())
        assert "D000004" in source and "Leroy Bâtiment EURL" in source
        assert "Leroy Bâtiment EURL" in preview.query_one("#letter", TextArea).text
        assert "D000004" in str(screen.query_one("#title", Static).render())
        await pilot.press("escape")
        await pilot.press("q")


async def test_a_manager_edits_and_saves(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "relance_1", "fr")
        editor = await open_editor(app, pilot)
        area = editor.query_one("#body", TextArea)
        assert app.focused is area and area.text == builtin_text("relance_1", "fr")
        area.move_cursor(area.document.end)
        await pilot.press("enter", *"Cordialement, le service client.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(
            pilot,
            lambda: any(
                r["key"] == "relance_1.fr" and r["version"] == 1 for r in screen.source.rows
            ),
        )
        row = next(r for r in screen.source.rows if r["key"] == "relance_1.fr")
        assert row["text"] == "custom" and row["saved_by"] == "boss" and row["saved"]
        assert any("saved as version 1" in m for m in messages(app))
        await pilot.press("q")
    saved = versions(sqlite_db, "relance_1", "fr")
    assert [v.version for v in saved] == [1]
    assert saved[0].body.endswith("Cordialement, le service client.")
    assert saved[0].saved_by == "boss"


async def test_an_unknown_placeholder_is_refused_inside_the_editor(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "relance_2", "en")
        editor = await open_editor(app, pilot)
        area = editor.query_one("#body", TextArea)
        area.move_cursor((1, 0))
        await pilot.press(*"{{ unknown }}", "enter")
        typed = area.text
        area.move_cursor((0, 0))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "unknown" in error_of(editor))
        assert "Line 2" in error_of(editor) and "relance_2" in error_of(editor)
        assert app.screen is editor and area.text == typed
        assert area.cursor_location == (1, 0)  # the cursor went to the line refused
        # A syntax error: refused too, with its line.
        area.move_cursor((1, 0))
        await pilot.press(*"{% if %}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "syntax" in error_of(editor))
        assert app.screen is editor
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("q")
    assert versions(sqlite_db, "relance_2", "en") == []


async def test_escape_with_changes_asks(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        editor = await open_editor(app, pilot)
        # Unchanged: Escape closes at once.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        editor = await open_editor(app, pilot)
        await pilot.press(*"Bonjour ")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is editor)
        assert editor.query_one("#body", TextArea).text.startswith("Bonjour ")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("q")
    assert versions(sqlite_db, "avis_echeance", "fr") == []


async def test_an_agent_cannot_edit_nor_reset(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        assert "read-only" in str(screen.query_one("#title", Static).render())
        for key in ("e", "E", "r"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        refusals = [m for m in messages(app) if "Only a manager" in m]
        assert len(refusals) == 3 and "alice" in refusals[0]
        # Reading is everyone's: the preview opens.
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplatePreview))
        await pilot.press("escape")
        await pilot.press("q")
    with sqlite_db.session() as session:
        assert session.exec(select(DocumentTemplate)).all() == []


async def test_reset_adds_a_version_equal_to_the_builtin(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        save_template(ctx, "dernier_avis", "fr", builtin_text("dernier_avis", "fr") + "\nP.S.")
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "dernier_avis", "fr")
        assert screen.table.body.current["version"] == 1
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: any(
                r["key"] == "dernier_avis.fr" and r["version"] == 2 for r in screen.source.rows
            ),
        )
        # Already the built-in text: nothing more is saved.
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("nothing saved" in m for m in messages(app)))
        await pilot.press("q")
    saved = versions(sqlite_db, "dernier_avis", "fr")
    assert [v.version for v in saved] == [1, 2]
    assert saved[1].body == builtin_text("dernier_avis", "fr")


def editor_script(tmp_path: Path, line: str) -> str:
    """An $EDITOR that appends ``line`` to the file it is given (not a real editor)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        f"open(path, 'w', encoding='utf-8').write(text + '\\n' + {line!r})\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{sys.executable} {script}"


async def test_edit_in_editor_saves(
    sqlite_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_tui(sqlite_db)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "Merci de votre confiance."))
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "injonction", "fr")
        await pilot.press("E")
        await wait_for(
            pilot,
            lambda: any(
                r["key"] == "injonction.fr" and r["version"] == 1 for r in screen.source.rows
            ),
        )
        assert app.screen is screen
        await pilot.press("q")
    saved = versions(sqlite_db, "injonction", "fr")
    assert [v.version for v in saved] == [1]
    assert saved[0].body == builtin_text("injonction", "fr") + "\nMerci de votre confiance."


async def test_edit_in_editor_refused_opens_the_editor_with_the_text(
    sqlite_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_tui(sqlite_db)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "{{ unknown }}"))
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await go_to(screen, pilot, "injonction", "en")
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplateEditor))
        editor = app.screen
        assert isinstance(editor, TemplateEditor)
        await wait_for(pilot, lambda: "unknown" in error_of(editor))
        assert editor.query_one("#body", TextArea).text.endswith("{{ unknown }}")
        # What the editor wrote is not saved: Escape asks before it is lost.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("q")
    assert versions(sqlite_db, "injonction", "en") == []


async def test_without_editor_a_notice(sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_tui(sqlite_db)
    monkeypatch.delenv("EDITOR", raising=False)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_templates(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        assert app.screen is screen
        assert any("$EDITOR is not set" in m for m in messages(app))
        await pilot.press("q")


async def test_the_palette_opens_the_templates_screen(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Templates")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplatesScreen))
        await pilot.press("q")


# -- the preview's read, on both backends ----------------------------------------------------


def test_preview_reads_a_dossier_or_the_sample(db: TestDB) -> None:
    from engine.dossiers import open_dossier
    from engine.scenarios import BUILTIN_NAME
    from tests.factories import add_customer, add_entry

    with db.ctx(TODAY) as ctx:
        empty = template_preview(ctx, "relance_1", "en")
        assert empty["sample"] and empty["dossier"] == "" and empty["version"] == 0
        assert empty["text"].strip()
    with db.ctx(TODAY) as ctx:
        customer = add_customer(ctx.session, "CAPREV", "Aprev Industries")
        add_entry(ctx.session, customer, "invoice", "2026-01-02", "900.00", due="2026-02-01")
        number = open_dossier(ctx, "CAPREV", BUILTIN_NAME).number
    with db.ctx(TODAY) as ctx:
        found = template_preview(ctx, "mise_en_demeure", "fr")
        assert not found["sample"] and found["dossier"] == number
        assert found["customer"] == "Aprev Industries" and "Aprev Industries" in found["text"]
        statement = template_preview(ctx, "releve", "en", number.lower())
        assert statement["dossier"] == number and "Aprev Industries" in statement["text"]
        with pytest.raises(NotFound, match="D999999"):
            template_preview(ctx, "relance_1", "fr", "D999999")


# -- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_templates_screen(snap_compare: Any, sqlite_db: TestDB, lang: str) -> None:
    set_language(lang)
    try:
        seed_tui(sqlite_db)
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("7")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
    finally:
        set_language("en")
