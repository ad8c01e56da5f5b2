"""Pilot tests: the customer's edit form (saved, a bad SIREN and a stale save refused inside
the form) and `x` on the dossier detail's Entries tab and the customer detail (a disputed entry
excluded)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.widgets import Checkbox, Input, Static

from engine.customers import edit_customer
from models.tables import Customer, Entry, History
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.customer_form import CustomerForm
from tui.screens.customers import CustomerDetailScreen
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.help import key_rows
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import TableBody


def stored(db: TestDB, code: str = "CNEUF") -> Customer:
    with db.session() as session:
        found = session.exec(select(Customer).where(Customer.code == code)).one()
        session.expunge(found)
        return found


def text(widget: Static) -> str:
    return str(widget.render())


async def open_customer(app: RecouvrementApp, pilot: Any, code: str) -> CustomerDetailScreen:
    screen = CustomerDetailScreen(code)
    app.push_screen(screen)
    await wait_for(pilot, lambda: screen.detail is not None)
    return screen


async def open_form(app: RecouvrementApp, pilot: Any) -> CustomerForm:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, CustomerForm))
    form = app.screen
    assert isinstance(form, CustomerForm)
    return form


async def test_edit_a_customer_and_save(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)  # an agent may
    async with app.run_test(size=(100, 40)) as pilot:
        detail = await open_customer(app, pilot, "CNEUF")
        assert ("e", "Edit customer") in key_rows(detail)
        form = await open_form(app, pilot)
        assert app.focused is form.query_one("#name", Input)
        assert form.query_one("#name", Input).value == "Neuf & Co"
        await pilot.press("ctrl+u", *"Neuf et Compagnie", "tab")
        await pilot.press(*"3 rue Neuve, Lyon", "tab")
        await pilot.press(*"compta@neuf.fr", "tab")
        await pilot.press(*"04 72 00 00 00", "tab")
        await pilot.press(*"732 829 320", "tab")
        assert app.focused is form.query_one("#consumer", Checkbox)
        await pilot.press("space", "tab", "tab")
        assert app.focused is form.query_one("#note", Input)
        await pilot.press(*"Rappeler le lundi", "enter")
        await wait_for(pilot, lambda: app.screen is detail)
        summary = detail.query_one("#summary", Static)
        await wait_for(pilot, lambda: "Neuf et Compagnie" in text(summary))
        assert "Consumer: yes" in text(summary) and "No reminders: no" in text(summary)
        assert "Note: Rappeler le lundi" in text(summary)
        assert "SIREN: 732829320" in text(summary)
        await pilot.press("q")
    saved = stored(sqlite_db)
    assert (
        saved.name,
        saved.address,
        saved.email,
        saved.phone,
        saved.siren,
        saved.consumer,
        saved.excluded_from_reminders,
        saved.note,
        saved.version,
    ) == (
        "Neuf et Compagnie",
        "3 rue Neuve, Lyon",
        "compta@neuf.fr",
        "04 72 00 00 00",
        "732829320",
        True,
        False,
        "Rappeler le lundi",
        2,
    )
    with sqlite_db.session() as session:
        change = session.exec(
            select(History).where(
                History.table_name == "customer",
                History.record_id == str(saved.id),
                History.action == "update",
            )
        ).one()
    assert change.login == "alice"


async def test_the_palette_opens_the_form_too(sqlite_db: TestDB) -> None:
    from textual.command import CommandList, CommandPalette

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_customer(app, pilot, "CNEUF")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Edit customer")
        hits = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: hits.option_count == 1)
        assert "Edit customer" in str(hits.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerForm))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        await pilot.press("q")


async def test_a_bad_siren_is_refused_inside_the_form(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_customer(app, pilot, "CNEUF")
        form = await open_form(app, pilot)
        form.query_one("#siren", Input).focus()
        await pilot.press(*"123456789", "tab", "space", "ctrl+s")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "is not a valid SIREN" in text(error))
        assert text(error).startswith("SIREN '123456789' is not a valid SIREN")
        assert app.screen is form  # still open, with what was typed
        assert form.query_one("#siren", Input).value == "123456789"
        assert form.query_one("#consumer", Checkbox).value is True
        assert (stored(sqlite_db).siren, stored(sqlite_db).consumer) == ("", False)
        # Corrected, it saves.
        form.query_one("#siren", Input).focus()
        await pilot.press("ctrl+u", *"732829320", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CustomerForm))
        await pilot.press("q")
    assert (stored(sqlite_db).siren, stored(sqlite_db).consumer) == ("732829320", True)


async def test_a_save_over_someone_elses_is_refused(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_customer(app, pilot, "CNEUF")
        form = await open_form(app, pilot)
        # alice saves the customer while the form is open
        with sqlite_db.ctx(TODAY, "alice") as ctx:
            edit_customer(ctx, "CNEUF", 1, phone="01 02 03 04 05")
        form.query_one("#note", Input).focus()
        await pilot.press(*"Mon avis", "enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "changed by someone else" in text(error))
        assert text(error).startswith("Customer CNEUF was changed by someone else")
        assert app.screen is form
        await pilot.press("escape", "y")  # y: lose what was typed
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        await pilot.press("q")
    saved = stored(sqlite_db)
    assert (saved.phone, saved.note, saved.version) == ("01 02 03 04 05", "", 2)


async def test_x_on_the_entries_tab_excludes_the_entry_and_brings_it_back(
    sqlite_db: TestDB,
) -> None:
    seed_tui(sqlite_db)

    def excluded() -> bool:
        with sqlite_db.session() as session:
            return session.exec(select(Entry.excluded).where(Entry.invoice == "F-CDUPONT")).one()

    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        entries = screen.tables["entries"].body
        await wait_for(pilot, lambda: entries.loaded and entries.count == 1)
        assert ("x", "Exclude / include") in key_rows(screen)
        # At 120 columns the mode keys keep their room (tui.widgets.key_bar): wider, x shows.
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: "Exclude" in str(screen.query_one(KeyBar).render()))
        await pilot.resize_terminal(120, 40)
        await pilot.press("x")
        await wait_for(pilot, excluded)
        await wait_for(pilot, lambda: (entries.row_at(0) or {}).get("excluded") is True)
        line = entries.render_line(0).text
        assert "F-CDUPONT" in line and "1,200.00 yes" in line
        assert screen.data is not None and str(screen.data["principal"]) == "1200.00"
        # Not on the other tabs: the key acts on the entry under the cursor.
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: ("x", "Exclude / include") not in key_rows(screen))
        await pilot.press("x")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: ("x", "Exclude / include") in key_rows(screen))
        assert excluded()
        await pilot.press("x")
        await wait_for(pilot, lambda: not excluded())
        await wait_for(pilot, lambda: (entries.row_at(0) or {}).get("excluded") is False)
        await pilot.press("q")


HOSTILE_NAME = "Evil\x1b]0;PWNED\x07Co"


async def test_a_hostile_name_is_shown_inert_and_kept_when_another_field_changes(
    db: TestDB,
) -> None:
    """A name from a hostile CSV file (control characters, refused when typed) is shown
    escaped in the form; left untouched it is not sent, so the consumer flag still saves."""
    from tests.factories import add_customer, add_entry
    from tests.test_inert_text import assert_drawn_inert

    with db.session() as session:
        customer = add_customer(session, "CEVIL", HOSTILE_NAME, address="1 rue\x1b[2J")
        add_entry(session, customer, "invoice", "2026-01-05", "50.00", due="2026-02-04")
    app = RecouvrementApp(db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_customer(app, pilot, "CEVIL")
        form = await open_form(app, pilot)
        assert form.query_one("#name", Input).value == "Evil\\x1b]0;PWNED\\x07Co"
        await pilot.pause()
        assert_drawn_inert(app, "Evil\\x1b]0;PWNED\\x07Co", "1 rue\\x1b[2J")
        form.query_one("#consumer", Checkbox).focus()
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CustomerForm))  # saved
        await pilot.press("q")
    saved = stored(db, "CEVIL")
    assert (saved.name, saved.address, saved.consumer, saved.version) == (
        HOSTILE_NAME,
        "1 rue\x1b[2J",
        True,
        2,
    )


def toasts(app: RecouvrementApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_x_on_the_customer_detail_excludes_an_entry_and_brings_it_back(db: TestDB) -> None:
    """The same key as the dossier's Entries tab: the excluded invoice stays out of a new
    dossier; `x` again brings it back."""
    from sqlmodel import col

    from engine.dossiers import open_dossier
    from engine.scenarios import BUILTIN_NAME
    from models.tables import DossierEntry
    from tests.factories import add_customer, add_entry
    from tui.widgets.lazy_table import LazyTable, format_row

    with db.session() as session:
        customer = add_customer(session, "CLITIGE", "Litige SA")
        add_entry(
            session,
            customer,
            "invoice",
            "2025-12-01",
            "300.00",
            due="2026-01-01",
            invoice="F-DISPUTE",
        )
        add_entry(
            session, customer, "invoice", "2025-12-15", "200.00", due="2026-01-15", invoice="F-OK"
        )

    def excluded() -> bool:
        with db.session() as session:
            return session.exec(select(Entry.excluded).where(Entry.invoice == "F-DISPUTE")).one()

    app = RecouvrementApp(db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        detail = await open_customer(app, pilot, "CLITIGE")
        entries = detail.query_one("#entries-table", LazyTable).body
        assert entries.count == 2
        assert ("x", "Exclude / include") in key_rows(detail)
        await pilot.resize_terminal(160, 40)  # at 120 the mode keys keep the room
        await wait_for(pilot, lambda: "Exclude" in str(detail.query_one(KeyBar).render()))
        await pilot.resize_terminal(120, 40)
        await pilot.press("x")
        await wait_for(pilot, excluded)
        await wait_for(pilot, lambda: (entries.row_at(0) or {}).get("excluded") is True)
        assert format_row(entries.columns, entries.row_at(0)).rstrip().endswith("yes")
        await wait_for(pilot, lambda: "excluded from reminders and new dossiers." in toasts(app))
        with db.ctx(TODAY) as ctx:
            dossier = open_dossier(ctx, "CLITIGE", BUILTIN_NAME)
            taken = ctx.session.exec(
                select(Entry.invoice)
                .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
                .where(DossierEntry.dossier_id == dossier.id)
            ).all()
        assert taken == ["F-OK"]
        # Not on the other tabs: the key acts on the entry under the cursor.
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: ("x", "Exclude / include") not in key_rows(detail))
        await pilot.press("x")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: ("x", "Exclude / include") in key_rows(detail))
        assert excluded()
        await pilot.press("x")
        await wait_for(pilot, lambda: not excluded())
        await wait_for(pilot, lambda: (entries.row_at(0) or {}).get("excluded") is False)
        assert "is back in reminders and new dossiers." in toasts(app)
        await pilot.press("q")
