"""Pilot tests of lettering in the TUI: Space marks entries, L letters them after a
confirmation (the code, what stays open), U unletters; the database follows, a dossier
settled closes and reopens."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from sqlmodel import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from engine.dossiers import find_dossier, open_dossier
from engine.scenarios import BUILTIN_NAME
from models.tables import Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.tui_helpers import TODAY, wait_for
from tui.app import RecouvrementApp
from tui.screens.customers import CustomerDetailScreen
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.forms import ConfirmForm

S = TypeVar("S", bound=Screen[object])


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


async def opened(pilot: Pilot[None], kind: type[S], open_it: Callable[[], object]) -> S:
    """The screen ``open_it`` asks the app for (as the palette does), once it shows."""
    open_it()
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind))
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def customer_screen(
    pilot: Pilot[None], app: RecouvrementApp, code: str
) -> CustomerDetailScreen:
    return await opened(pilot, CustomerDetailScreen, lambda: app.open_customer(code))


async def dossier_screen(
    pilot: Pilot[None], app: RecouvrementApp, number: str
) -> DossierDetailScreen:
    return await opened(pilot, DossierDetailScreen, lambda: app.open_dossier(number))


async def test_customer_screen_letters_marked_entries_and_the_dossier_closes(
    sqlite_db: TestDB,
) -> None:
    ids = seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await customer_screen(pilot, app, "CNEW")
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
        screen = await dossier_screen(pilot, app, "D000001")
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
        screen = await customer_screen(pilot, app, "CNEW")
        body = screen.tables["entries"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 3)
        for action in ("mark_entry", "letter_marked", "unletter", "suggest_lettering"):
            assert not screen.check_action(action, ())
        await pilot.press("space", "S")
        await pilot.pause()
        assert screen.marked == set()
        assert app.screen is screen  # no suggestions box
        assert "Suggest" not in str(app.screen.query_one("KeyBar").render())
        detail = await dossier_screen(pilot, app, "D000001")
        await wait_for(pilot, lambda: detail.data is not None)
        assert not detail.check_action("suggest_lettering", ())
        await pilot.press("S")
        await pilot.pause()
        assert app.screen is detail


# -- suggestions (S): engine.lettering.suggestions in a box, Enter letters one as L does


def seed_suggestions(db: TestDB) -> dict[str, int]:
    """CSUG: invoices F-1001 (700) and F-2002 (300) in dossier D000001; a payment of 700
    without a number (same amount as F-1001) and one of 300 whose hostile label names
    F-2002."""
    with db.ctx(TODAY) as ctx:
        c = add_customer(ctx.session, "CSUG", "Suggéré")
        f1 = add_entry(
            ctx.session, c, "invoice", "2026-01-02", "700.00", due="2026-02-01", invoice="F-1001"
        )
        f2 = add_entry(
            ctx.session, c, "invoice", "2026-01-03", "300.00", due="2026-02-02", invoice="F-2002"
        )
        open_dossier(ctx, "CSUG", BUILTIN_NAME)
        p1 = add_entry(ctx.session, c, "payment", "2026-03-01", "700.00")
        p1.label = "VIR CLIENT"
        p2 = add_entry(ctx.session, c, "payment", "2026-03-02", "300.00")
        p2.label = "[b]x[/b] \x1b[2J F-2002"
        ctx.session.flush()
        return {"f1": f1.id or 0, "f2": f2.id or 0, "p1": p1.id or 0, "p2": p2.id or 0}


def box_lines(app: RecouvrementApp) -> list[str]:
    from textual.widgets import OptionList

    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def letter_first_suggestion(pilot: Pilot[None], app: RecouvrementApp) -> str:
    """S, Enter on the first suggestion, y to the confirmation: the confirmation's text."""
    from tui.screens.suggestions import SuggestionsModal

    screen = app.screen
    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(app.screen, SuggestionsModal))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
    text = question(app)
    await pilot.press("y")
    await wait_for(pilot, lambda: app.screen is screen)
    return text


def closed_in_history(db: TestDB) -> bool:
    with db.session() as s:
        dossier = find_dossier(s, "D000001")
        return (
            s.exec(
                select(History).where(
                    History.table_name == "dossier",
                    History.record_id == str(dossier.id),
                    History.after.contains('"closed"'),  # type: ignore[union-attr]
                )
            ).first()
            is not None
        )


async def test_dossier_suggestions_shown_then_lettered_and_the_dossier_closes(
    sqlite_db: TestDB,
) -> None:
    from tui.screens.suggestions import SuggestionsModal

    ids = seed_suggestions(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await dossier_screen(pilot, app, "D000001")
        entries = screen.tables["entries"].body
        await wait_for(pilot, lambda: entries.loaded and entries.count == 2)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SuggestionsModal))
        first, second = box_lines(app)
        # By payment: the one of the same amount, then the one naming the invoice.
        assert "VIR CLIENT" in first and "with invoice F-1001 700.00" in first
        assert "same amount · settles in full" in first
        assert "[b]x[/b] \\x1b[2J F-2002" in second  # shown as written, inert
        assert "invoice number in the label or reference" in second
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert set(letterings(sqlite_db).values()) == {None}
        text = await letter_first_suggestion(pilot, app)
        assert f"Letter entries {ids['f1']}, {ids['p1']} together with code AA" in text
        await wait_for(pilot, lambda: (entries.current or {}).get("lettering") == "AA")
        assert status(sqlite_db)[0] == "open"
        await letter_first_suggestion(pilot, app)  # the one left: F-2002
        await wait_for(pilot, lambda: status(sqlite_db)[0] == "closed")
        codes = letterings(sqlite_db)
        assert codes[ids["f1"]] == codes[ids["p1"]] == "AA"
        assert codes[ids["f2"]] == codes[ids["p2"]] == "AB"
        assert status(sqlite_db) == ("closed", Decimal("0.00"))
        assert closed_in_history(sqlite_db)
        await wait_for(pilot, lambda: "Closed on" in str(screen.query_one("#fields").render()))
        # Nothing left to suggest: a notice, no box.
        await pilot.press("S")
        await wait_for(
            pilot, lambda: any("No lettering to suggest" in n.message for n in app._notifications)
        )
        assert app.screen is screen


async def test_customer_suggestion_lettered_from_the_open_entries(sqlite_db: TestDB) -> None:
    from tui.screens.suggestions import SuggestionsModal

    ids = seed_suggestions(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await customer_screen(pilot, app, "CSUG")
        body = screen.tables["entries"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SuggestionsModal))
        await pilot.press("down", "enter")  # the second: F-2002, named in the label
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert f"Letter entries {ids['f2']}, {ids['p2']}" in question(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen and body.count == 2)
        codes = letterings(sqlite_db)
        assert codes[ids["f2"]] == codes[ids["p2"]] == "AA"
        assert codes[ids["f1"]] is None
        await letter_first_suggestion(pilot, app)
        await wait_for(pilot, lambda: body.count == 0)
        assert status(sqlite_db) == ("closed", Decimal("0.00"))
        assert closed_in_history(sqlite_db)
        assert any("Dossier D000001 closed" in n.message for n in app._notifications)


async def test_no_suggestion_is_a_notice(sqlite_db: TestDB) -> None:
    seed(sqlite_db)  # a payment of 1000 for invoices of 700 and 300: no number, no amount
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await customer_screen(pilot, app, "CNEW")
        await wait_for(pilot, lambda: screen.tables["entries"].body.count == 3)
        await pilot.press("S")
        await wait_for(
            pilot,
            lambda: any(
                "No lettering to suggest for customer CNEW" in n.message for n in app._notifications
            ),
        )
        assert app.screen is screen


def test_what_a_suggestion_leaves_reads_in_words() -> None:
    from tui.screens.suggestions import outcome_text

    assert outcome_text(Decimal("0.00")) == "settles in full"
    assert outcome_text(Decimal("10.00")) == "leaves €10.00 owed"
    assert outcome_text(Decimal("-2.50")) == "leaves €2.50 of the payment unused"
