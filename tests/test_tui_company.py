"""Pilot tests: the Company screen (mode `8`): a manager changes the IBAN (a good value
saved, a bad one refused inside the form with nothing written), the password never shown,
an agent reads only; a snapshot at 120×40."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from models.tables import Setting
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.company import CompanyScreen
from tui.screens.setting_form import SettingForm

IBAN = "FR14 2004 1010 0505 0001 3M02 606"


def stored(db: TestDB, key: str) -> str | None:
    with db.session() as session:
        row = session.exec(select(Setting).where(Setting.key == key)).first()
        return row.value if row else None


async def open_company(app: RecouvrementApp, pilot: Any) -> CompanyScreen:
    await pilot.press("8")
    await wait_for(pilot, lambda: isinstance(app.screen, CompanyScreen))
    screen = app.screen
    assert isinstance(screen, CompanyScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


async def go_to(screen: CompanyScreen, pilot: Any, key: str) -> None:
    keys = [r["key"] for r in screen.source.rows]
    screen.table.body.move_to(keys.index(key))
    await pilot.pause()


def value_of(screen: CompanyScreen, key: str) -> str:
    return next(r["value_text"] for r in screen.source.rows if r["key"] == key)


async def test_a_manager_changes_the_iban(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_company(app, pilot)
        assert "read-only" not in str(screen.query_one("#title", Static).render())
        await go_to(screen, pilot, "company_iban")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingForm))
        form = app.screen
        assert isinstance(form, SettingForm)
        field = form.query_one("#value", Input)
        assert app.focused is field and field.value == ""
        # A wrong checksum: refused inside the form, which stays open; nothing written.
        await pilot.press(*"FR15 2004 1010 0505 0001 3M02 606", "enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "checksum" in str(error.render()))
        assert app.screen is form and "company_iban" in str(error.render())
        assert stored(sqlite_db, "company_iban") is None
        await pilot.press("ctrl+u", *IBAN.lower(), "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: value_of(screen, "company_iban") == IBAN)
        await pilot.press("q")
    assert stored(sqlite_db, "company_iban") == IBAN.replace(" ", "")


async def test_the_password_is_never_shown_and_kept_when_untouched(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.session() as session:
        session.add(Setting(key="smtp_password", value="s3cr3t"))
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_company(app, pilot)
        assert value_of(screen, "smtp_password") == "********"
        assert all("s3cr3t" not in str(r) for r in screen.source.rows)
        await go_to(screen, pilot, "smtp_password")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingForm))
        form = app.screen
        field = form.query_one("#value", Input)
        assert field.password and "s3cr3t" not in field.value
        await pilot.press("enter")  # left as it is: kept
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        await pilot.press("q")
    assert stored(sqlite_db, "smtp_password") == "s3cr3t"


async def test_an_agent_reads_only(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_company(app, pilot)
        assert "read-only" in str(screen.query_one("#title", Static).render())
        await go_to(screen, pilot, "company_iban")
        await pilot.press("e")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        messages = [str(n.message) for n in app._notifications]
        assert any("Only a manager" in m and "alice" in m for m in messages)
        await pilot.press("q")
    assert stored(sqlite_db, "company_iban") is None


def test_company_snapshot(snap_compare: Any, sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.session() as session:
        session.add(Setting(key="company_iban", value=IBAN.replace(" ", "")))
        session.add(Setting(key="company_address", value="12 rue de la Paix\n75002 Paris"))
        session.add(Setting(key="smtp_password", value="s3cr3t"))
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_the_palette_opens_the_company_screen(sqlite_db: TestDB) -> None:
    from tests.test_tui_palette import open_palette, search

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_palette(app, pilot)
        assert "Company" in await search(app, pilot, "compa")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompanyScreen))
        await pilot.press("q")


async def test_the_palette_says_societe_in_french(sqlite_db: TestDB) -> None:
    from engine.i18n import set_language
    from tests.test_tui_palette import open_palette, search

    set_language("fr")
    try:
        seed_tui(sqlite_db)
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_palette(app, pilot)
            assert "Société" in await search(app, pilot, "soci")
            await pilot.press("escape")
    finally:
        set_language("en")
