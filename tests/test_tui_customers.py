"""Pilot tests of the Customers screen, the customer detail and the new-dossier form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import col, select
from textual.widgets import DataTable, Input, Select, Static

from engine.scenarios import BUILTIN_NAME
from models.tables import Customer, Dossier, DossierEntry, Entry, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.customers import CustomerDetailScreen, CustomersScreen
from tui.screens.dossiers import DossiersScreen
from tui.screens.new_dossier import NewDossierScreen
from tui.widgets.lazy_table import LazyTable, TableBody, format_row


def seed(db: TestDB) -> None:
    """seed_tui, plus CAVENIR whose only invoice is not due yet (nothing to collect)."""
    seed_tui(db)
    with db.session() as session:
        later = add_customer(session, "CAVENIR", "Avenir Conseil")
        add_entry(session, later, "invoice", "2026-02-20", "90.00", due="2026-04-01")


def rows(body: TableBody) -> dict[str, dict]:
    return {r["code"]: r for i in range(body.count) if (r := body.row_at(i))}


def codes(body: TableBody) -> list[str]:
    return [body.row_at(i)["code"] for i in range(body.count)]  # type: ignore[index]


def text(widget: Static) -> str:
    return str(widget.render())


def table_text(table: DataTable) -> str:
    return " | ".join(
        " ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)
    )


def dossier_count(db: TestDB) -> int:
    with db.session() as session:
        return len(session.exec(select(Dossier)).all())


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Dossier numbers the customer screens asked to show (the detail screen is not ours)."""
    shown: list[str] = []
    monkeypatch.setattr(RecouvrementApp, "open_dossier", lambda _app, number: shown.append(number))
    return shown


async def test_customer_list_amounts_filter_sort_and_detail(
    sqlite_db: TestDB, opened: list[str]
) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        screen = app.screen
        assert isinstance(screen, CustomersScreen)
        body = screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 6)
        assert app.focused is body
        assert codes(body) == ["CAVENIR", "CDUPONT", "CLEROY", "CMARTIN", "CNEUF", "CÉCILE"]
        listed = rows(body)
        assert listed["CNEUF"] == {
            "code": "CNEUF",
            "name": "Neuf & Co",
            "outstanding": Decimal("640.00"),
            "overdue": Decimal("640.00"),
            "risk": None,
            "open_dossier": None,
        }
        assert (listed["CMARTIN"]["overdue"], listed["CMARTIN"]["open_dossier"]) == (
            Decimal("5000.00"),
            "D000003",  # paused, still open
        )
        assert (listed["CAVENIR"]["outstanding"], listed["CAVENIR"]["overdue"]) == (
            Decimal("90.00"),
            Decimal("0.00"),
        )
        line = format_row(body.columns, listed["CNEUF"])
        assert "Neuf & Co" in line and line.count("640.00") == 2
        assert text(screen.query_one("#totals", Static)) == "6 customers"
        # overdue only, then the filter as you type
        await pilot.press("f")
        await wait_for(pilot, lambda: body.count == 5)
        assert "CAVENIR" not in codes(body)
        assert text(screen.query_one("#flags", Static)) == "overdue only"
        await pilot.press("f", "slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"neuf")
        await wait_for(pilot, lambda: body.count == 1)
        await pilot.press("enter")
        assert app.focused is body
        await pilot.press("escape")
        await wait_for(pilot, lambda: body.count == 6)
        # o: next sort column, r: reverse
        seen: list[str] = []
        while screen.filter.sort != "overdue" and len(seen) < 8:
            await pilot.press("o")
            seen.append(screen.filter.sort)
        assert seen == ["name", "outstanding", "overdue"]
        await pilot.press("r")
        await wait_for(pilot, lambda: body.loaded and codes(body)[0] == "CMARTIN")
        assert codes(body)[:3] == ["CMARTIN", "CDUPONT", "CNEUF"]
        # Enter: the customer's detail
        await pilot.press("g", "j", "j")
        assert body.current and body.current["code"] == "CNEUF"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        detail = app.screen
        entries = detail.query_one("#entries-table", LazyTable).body
        await wait_for(pilot, lambda: entries.count == 1)
        summary = text(detail.query_one("#summary", Static))
        assert "CNEUF · Neuf & Co" in summary
        assert "Payment terms: 30 days" in summary and "Overdue: €640.00" in summary
        line = format_row(entries.columns, entries.row_at(0))
        assert line.startswith("2026-02-04    26 ")  # due date, days late
        assert "F-NEUF" in line and "640.00" in line
        await pilot.press("right_square_bracket", "right_square_bracket")
        dossiers = detail.query_one("#dossiers-table", LazyTable).body
        assert dossiers.count == 0
        assert app.focused is dossiers
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.focused is body
        await pilot.press("q")


async def test_new_dossier_from_the_customer_detail(sqlite_db: TestDB, opened: list[str]) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 6)
        await pilot.press("slash", *"cneuf", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerDetailScreen))
        detail = app.screen
        assert isinstance(detail, CustomerDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewDossierScreen))
        form = app.screen
        assert form.query_one("#customer", Input).value == "CNEUF"
        preview = form.query_one("#preview", DataTable)
        await wait_for(pilot, lambda: preview.row_count == 1)
        assert "F-NEUF" in table_text(preview) and "640.00" in table_text(preview)
        total = text(form.query_one("#total", Static))
        assert total == "CNEUF: 1 entry will be taken, total €640.00"
        await wait_for(pilot, lambda: form.query_one("#scenario", Select).value == BUILTIN_NAME)
        assert form.query_one("#agent", Select).value == "boss"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail)
        assert opened == ["D000005"]
        dossiers = detail.query_one("#dossiers-table", LazyTable).body
        await wait_for(pilot, lambda: dossiers.count == 1)  # reloaded on return
        assert dossiers.row_at(0)["number"] == "D000005"  # type: ignore[index]
        await pilot.press("q")
    with sqlite_db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == "D000005")).one()
        customer = session.get(Customer, dossier.customer_id)
        assert customer is not None and customer.code == "CNEUF"
        assert (dossier.agent, dossier.status, dossier.principal) == (
            "boss",
            "open",
            Decimal("640.00"),
        )
        invoices = session.exec(
            select(Entry.invoice)
            .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
            .where(DossierEntry.dossier_id == dossier.id)
        ).all()
        assert invoices == ["F-NEUF"]
        todo = session.exec(select(Intervention).where(Intervention.dossier_id == dossier.id)).all()
        assert [(i.step_no, i.status, i.planned) for i in todo] == [(1, "todo", TODAY)]


async def test_new_dossier_from_the_dossiers_screen_typing_the_customer(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sqlite_db)
    shown: list[str] = []
    monkeypatch.setattr(RecouvrementApp, "open_dossier", lambda _app, number: shown.append(number))
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewDossierScreen))
        form = app.screen
        assert isinstance(form, NewDossierScreen)
        assert app.focused is form.query_one("#customer", Input)
        await pilot.press(*"zzz")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "No customer matches 'zzz'" in text(error))
        await pilot.press("ctrl+s")  # the engine refuses an unknown code, inline
        await wait_for(pilot, lambda: "Unknown customer 'zzz'" in text(error))
        assert isinstance(app.screen, NewDossierScreen)
        # Enter at once, whether the lookup has answered or not: the first match is taken
        await pilot.press("ctrl+u", *"neuf", "enter")
        preview = form.query_one("#preview", DataTable)
        await wait_for(pilot, lambda: preview.row_count == 1)
        assert form.query_one("#customer", Input).value == "CNEUF"
        assert "F-NEUF" in table_text(preview) and text(error) == ""
        assert app.focused is form.query_one("#scenario", Select)
        await pilot.press("tab", "tab", *"Appel du 2 mars", "enter")  # Enter on the last field
        await wait_for(pilot, lambda: isinstance(app.screen, DossiersScreen))
        await wait_for(pilot, lambda: shown == ["D000005"])
        await wait_for(pilot, lambda: body.count == 5)
        await pilot.press("q")
    with sqlite_db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == "D000005")).one()
        assert (dossier.reason, dossier.principal) == ("Appel du 2 mars", Decimal("640.00"))


async def test_new_dossier_refused_when_nothing_is_overdue(
    sqlite_db: TestDB, opened: list[str]
) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)  # an agent opens for herself
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 6)
        assert body.current and body.current["code"] == "CAVENIR"
        await pilot.press("n")  # from the list: the highlighted customer
        await wait_for(pilot, lambda: isinstance(app.screen, NewDossierScreen))
        form = app.screen
        total = form.query_one("#total", Static)
        await wait_for(pilot, lambda: text(total) == "CAVENIR: nothing overdue to take.")
        await wait_for(pilot, lambda: form.query_one("#agent", Select).value == "alice")
        await pilot.press("ctrl+s")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "CAVENIR has no overdue invoice" in text(error))
        assert app.screen is form
        assert dossier_count(sqlite_db) == 4
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        await pilot.press("q")
    assert opened == []
    assert dossier_count(sqlite_db) == 4
