"""Pilot tests: the customer screen's Contacts tab: add (a), edit (e / Enter) and remove (x,
after a confirmation) a contact; a bad e-mail refused inside the form with nothing written;
Escape with something typed asks first."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from textual.widgets import Input, Static, TabbedContent

from engine.contacts import add_contact
from engine.dossiers import update_dossier
from models.tables import Contact, Customer, Dossier
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.contact_form import ContactForm
from tui.screens.customers import CustomerDetailScreen
from tui.screens.forms import ConfirmForm
from tui.screens.help import key_rows


def contacts(db: TestDB, code: str = "CNEUF") -> list[Contact]:
    with db.session() as session:
        customer = session.exec(select(Customer).where(Customer.code == code)).one()
        found = list(
            session.exec(
                select(Contact).where(Contact.customer_id == customer.id).order_by(col(Contact.id))
            )
        )
        for c in found:
            session.expunge(c)
        return found


async def contacts_tab(app: RecouvrementApp, pilot: Any, code: str) -> CustomerDetailScreen:
    screen = CustomerDetailScreen(code)
    app.push_screen(screen)
    await wait_for(pilot, lambda: screen.detail is not None)
    await pilot.press("right_square_bracket")
    await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "contacts")
    return screen


async def form_opened(app: RecouvrementApp, pilot: Any) -> ContactForm:
    await wait_for(pilot, lambda: isinstance(app.screen, ContactForm))
    form = app.screen
    assert isinstance(form, ContactForm)
    return form


async def test_add_a_contact_refused_then_saved(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts_tab(app, pilot, "CNEUF")
        rows = key_rows(screen)
        assert ("a", "Add contact") in rows
        await pilot.press("a")
        form = await form_opened(app, pilot)
        assert app.focused is form.query_one("#name", Input)
        await pilot.press(*"Jeanne Martin", "tab", *"Comptable", "tab")
        await pilot.press(*"jeanne@neuf.fr, x@y.fr", "tab", *"04 72 00 00 00", "tab")
        await pilot.press(*"3 rue Neuve\\n69002 Lyon", "enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "e-mail" in str(error.render()))
        assert app.screen is form
        assert contacts(sqlite_db) == []
        form.query_one("#email", Input).value = "jeanne@neuf.fr"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: len(screen.detail["contacts"]) == 1)  # type: ignore[index]
        await pilot.press("q")
    [saved] = contacts(sqlite_db)
    assert (saved.name, saved.role, saved.email, saved.phone, saved.address) == (
        "Jeanne Martin",
        "Comptable",
        "jeanne@neuf.fr",
        "04 72 00 00 00",
        "3 rue Neuve\n69002 Lyon",
    )


async def test_edit_with_enter_and_escape_asks_first(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx() as ctx:
        add_contact(ctx, "CNEUF", "Paul", address="1 rue A\n75001 Paris")
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts_tab(app, pilot, "CNEUF")
        assert ("e", "Edit contact") in key_rows(screen)
        assert ("e", "Edit customer") not in key_rows(screen)
        await pilot.press("enter")
        form = await form_opened(app, pilot)
        assert form.query_one("#address", Input).value == "1 rue A\\n75001 Paris"
        await pilot.press("ctrl+u", *"Paul Durand")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        await pilot.press("q")
    [saved] = contacts(sqlite_db)
    assert saved.name == "Paul Durand" and saved.address == "1 rue A\n75001 Paris"
    assert saved.version == 2


async def test_remove_after_confirmation_clears_the_main_contact(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx() as ctx:
        ident = add_contact(ctx, "CDUPONT", "Main")["id"]
    with sqlite_db.ctx() as ctx:
        update_dossier(ctx, "D000001", main_contact_id=ident)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await contacts_tab(app, pilot, "CDUPONT")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")  # no: nothing removed
        await wait_for(pilot, lambda: app.screen is screen)
        assert len(contacts(sqlite_db, "CDUPONT")) == 1
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: not screen.detail["contacts"])  # type: ignore[index]
        messages = [str(n.message) for n in app._notifications]
        assert any("D000001" in m for m in messages)
        await pilot.press("q")
    assert contacts(sqlite_db, "CDUPONT") == []
    with sqlite_db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == "D000001")).one()
        assert dossier.main_contact_id is None


async def test_the_customer_form_takes_an_address_of_several_lines(sqlite_db: TestDB) -> None:
    from tui.screens.customer_form import CustomerForm

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = CustomerDetailScreen("CNEUF")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.detail is not None)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerForm))
        form = app.screen
        form.query_one("#address", Input).value = "3 rue Neuve\\n69002 Lyon"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        await pilot.press("q")
    with sqlite_db.session() as session:
        customer = session.exec(select(Customer).where(Customer.code == "CNEUF")).one()
        assert customer.address == "3 rue Neuve\n69002 Lyon"
