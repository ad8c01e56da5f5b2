"""Pilot tests of the Aged balance screen (mode `6`): the list, sort, filter, Enter opening
the customer, the chart panel, and a snapshot at 120×40."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from models.tables import AgingSnapshot
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.aging import AgingScreen
from tui.widgets.lazy_table import TableBody


def codes(body: TableBody) -> list[str]:
    return [body.row_at(i)["code"] for i in range(body.count)]  # type: ignore[index]


def seed(db: TestDB) -> None:
    """seed_tui, and the daily snapshots of the ten days before (the overdue curve)."""
    seed_tui(db)
    with db.session() as session:
        for n in range(10):
            overdue = Decimal(5000 + 250 * n).quantize(Decimal("0.01"))
            session.add(
                AgingSnapshot(
                    day=TODAY - dt.timedelta(days=10 - n),
                    total=overdue + Decimal("100.00"),
                    not_due=Decimal("100.00"),
                    overdue=overdue,
                    edges="30,60,90",
                    amounts="",
                )
            )


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(RecouvrementApp, "open_customer", lambda _app, code: shown.append(code))
    return shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_aging_list_sort_filter_drill_down_and_charts(
    sqlite_db: TestDB, opened: list[str], size: tuple[int, int]
) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=size) as pilot:
        await pilot.press("6")
        await wait_for(pilot, lambda: isinstance(app.screen, AgingScreen))
        screen = app.screen
        assert isinstance(screen, AgingScreen)
        body = screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 5 and screen.totals is not None)
        # Largest total first.
        assert codes(body) == ["CMARTIN", "CDUPONT", "CNEUF", "CLEROY", "CÉCILE"]
        cecile = body.row_at(4)
        assert cecile is not None
        assert (cecile["total"], cecile["b2"]) == (Decimal("80.50"), Decimal("80.50"))  # 31-60
        totals = str(screen.query_one("#totals", Static).render())
        assert "5 customers" in totals and "DSO" in totals
        # Sort: the next column after the total is "not due", then 1-30 (ascending); at
        # 80 columns "not due" gives way to the late buckets, so 1-30 comes next.
        await pilot.press(*(("o",) if size[0] < 100 else ("o", "o")))
        await wait_for(pilot, lambda: screen.filter.sort == "1-30" and body.loaded)
        await wait_for(pilot, lambda: codes(body)[-1] == "CMARTIN")
        assert codes(body) == ["CÉCILE", "CLEROY", "CNEUF", "CDUPONT", "CMARTIN"]
        await pilot.press("r")
        await wait_for(pilot, lambda: codes(body)[0] == "CMARTIN")
        # Filter: code or name, accents ignored; the totals follow.
        await pilot.press("slash", *"cecile")
        await wait_for(pilot, lambda: body.count == 1)
        await wait_for(pilot, lambda: "1 customer " in str(screen.query_one("#totals").render()))
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: opened == ["CÉCILE"])
        # The chart panel: shown, hidden with c, shown again.
        charts = screen.query_one("#charts")
        assert charts.display
        await pilot.press("c")
        await pilot.pause()
        assert not charts.display
        await pilot.press("c")
        await pilot.pause()
        assert charts.display


def test_aging_snapshot(snap_compare: Any, sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
