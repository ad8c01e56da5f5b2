"""Pilot tests of lettering in the TUI: Space marks entries, L letters them after a
confirmation (the code, what stays open), U unletters; the database follows, a dossier
settled closes and reopens."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select
from textual.widgets import Static

from engine.dossiers import find_dossier, open_dossier
from engine.scenarios import BUILTIN_NAME
from models.tables import Entry
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.tui_helpers import TODAY, wait_for
from tui.app import RecouvrementApp
from tui.screens.customers import CustomerDetailScreen
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.forms import ConfirmForm


def seed(db: TestDB) -> dict[str, int]:
    """CNEW: invoices of 700 (due 02-01) and 300 (due 02-02) in dossier D000001, then a
    payment of 1000 booked after it opened (not in it)."""
    with db.ctx(TODAY) as ctx:
        c = add_customer(ctx.session, "CNEW", "Nouveau & Cie")
        f1 = add_entry(ctx.session, c, "invoice", "2026-01-02", "700.00", due="2026-02-01")
        f2 = add_entry(ctx.session, c, "invoice", "2026-01-03", "300.00", due="2026-02-02")
        open_dossier(ctx, "CNEW", BUILTIN_NAME)
        paid = add_entry(ctx.session, c, "payment", "2026-03-02", "1000.00")
        return {"f1": f1.id or 0, "f2": f2.id or 0, "paid": paid.id or 0}


def letterings(db: TestDB) -> dict[int, str | None]:
    with db.session() as s:
        return {e.id or 0: e.lettering for e in s.exec(select(Entry))}


def status(db: TestDB) -> tuple[str, Decimal]:
    with db.session() as s:
        dossier = find_dossier(s, "D000001")
        return dossier.status, dossier.principal


def question(app: RecouvrementApp) -> str:
    return str(app.screen.query_one("#message", Static).render())


async def test_customer_screen_letters_marked_entries_and_the_dossier_closes(
    sqlite_db: TestDB,
) -> None:
    ids = seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 40)) as pilot:
        app.open_customer("CNEW")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        screen = app.screen
        assert isinstance(screen, CustomerDetailScreen)
        body = screen.tables["entries"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 3)
        # L with fewer than two marks says what to do, and writes nothing.
        await pilot.press("L")
        await wait_for(pilot, lambda: any("Mark two" in n.message for n in app._notifications))
        for _row in range(3):  # the rows by due date: 700, 300, then the payment
            await pilot.press("space")
            await wait_for(pilot, lambda: (body.current or {}).get("mark") == "*")
            await pilot.press("down")
        assert screen.marked == set(ids.values())
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        text = question(app)
        assert "code AA" in text and "Left open afterwards: 0.00" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen and body.count == 0)
        assert {letterings(sqlite_db)[i] for i in ids.values()} == {"AA"}
        assert status(sqlite_db) == ("closed", Decimal("0.00"))
        assert screen.marked == set()
        assert any("Dossier D000001 closed" in n.message for n in app._notifications)


async def test_dossier_tab_letters_and_unletter_reopens(sqlite_db: TestDB) -> None:
    ids = seed(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:  # settled from the command line's engine: closed
        from engine.lettering import letter_entries

        letter_entries(ctx, [ids["f1"], ids["f2"], ids["paid"]])
    assert status(sqlite_db)[0] == "closed"
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 40)) as pilot:
        app.open_dossier("D000001")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        entries = screen.tables["entries"].body
        await wait_for(pilot, lambda: entries.loaded and entries.count == 2)
        assert (entries.current or {}).get("lettering") == "AA"
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert "Remove lettering AA" in question(app) and "CNEW" in question(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: status(sqlite_db)[0] == "open")
        assert status(sqlite_db) == ("open", Decimal("1000.00"))
        assert set(letterings(sqlite_db).values()) == {None}
        await wait_for(pilot, lambda: (entries.current or {}).get("lettering") is None)
        assert any("reopened" in n.message for n in app._notifications)
        # The two invoices of the dossier, marked and lettered together (a credit-less
        # group: nothing settles, the code is stored).
        await pilot.press("space", "down", "space")
        await wait_for(pilot, lambda: screen.marked == {ids["f1"], ids["f2"]})
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert "Left open afterwards: 1,000.00" in question(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: letterings(sqlite_db)[ids["f1"]] == "AA")
        assert letterings(sqlite_db)[ids["f2"]] == "AA"
        assert status(sqlite_db) == ("open", Decimal("1000.00"))


async def test_auditors_see_no_lettering_keys(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        from engine.access import add_user

        add_user(ctx.session, None, "audrey", "auditor")
    app = RecouvrementApp(sqlite_db.engine, "audrey", TODAY)
    async with app.run_test(size=(160, 40)) as pilot:
        app.open_customer("CNEW")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        screen = app.screen
        assert isinstance(screen, CustomerDetailScreen)
        body = screen.tables["entries"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 3)
        for action in ("mark_entry", "letter_marked", "unletter"):
            assert not screen.check_action(action, ())
        await pilot.press("space")
        await pilot.pause()
        assert screen.marked == set()
