"""Pilot tests of the application shell and the Dossiers screen."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.widgets.lazy_table import TableBody


def numbers(body: TableBody) -> list[str]:
    return [body.row_at(i)["number"] for i in range(body.count)]  # type: ignore[index]


async def test_dossier_list_filters_sorts_and_counts(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        assert app.focused is body
        assert numbers(body) == ["D000001", "D000002", "D000003", "D000004"]
        totals = app.screen.query_one("#totals", Static)
        await wait_for(pilot, lambda: "4 dossiers" in str(totals.render()))
        assert "€6,590.50" in str(totals.render())
        # filter as you type, Enter goes to the first match
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"mart")
        await wait_for(pilot, lambda: body.count == 1)
        assert numbers(body) == ["D000003"]
        await pilot.press("enter")
        assert app.focused is body
        await pilot.press("escape")  # clears the filter
        await wait_for(pilot, lambda: body.count == 4)
        # mine only, status, sort by column, reverse
        await pilot.press("m")  # boss's own: D000002, and D000004 that boss opened unassigned
        await wait_for(pilot, lambda: body.count == 2)
        assert numbers(body) == ["D000002", "D000004"]
        await pilot.press("m", "f", "f")
        await wait_for(pilot, lambda: body.count == 1)
        assert numbers(body) == ["D000003"]  # paused
        await pilot.press("f", "f")
        await wait_for(pilot, lambda: body.count == 4)
        seen = []
        while app.screen.filter.sort != "balance" and len(seen) < 12:  # o: next sort column
            await pilot.press("o")
            seen.append(app.screen.filter.sort)
        assert seen == [
            "customer",
            "name",
            "agent",
            "scenario",
            "step",
            "next_action",
            "late",
            "balance",
        ]
        await pilot.press("r")
        await wait_for(pilot, lambda: body.loaded and numbers(body)[0] == "D000003")
        assert numbers(body) == ["D000003", "D000001", "D000004", "D000002"]
        await pilot.press("G")
        assert body.cursor == 3
        await pilot.press("g", "j")
        assert body.cursor == 1
        await pilot.press("q")
    assert app.return_code == 0


async def test_dossier_filter_ignores_case_and_accents(sqlite_db: TestDB) -> None:
    """Typed without accents or in capitals, the filter finds Cécile Écoles and Leroy
    Bâtiment; the totals line counts the same dossiers."""
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        totals = app.screen.query_one("#totals", Static)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("slash", *"ecoles")
        await wait_for(pilot, lambda: body.count == 1)
        assert numbers(body) == ["D000002"]
        await wait_for(pilot, lambda: str(totals.render()).startswith("1 "))
        box = app.screen.query_one("#filter", Input)
        box.value = "BÂTI"
        await wait_for(pilot, lambda: body.loaded and numbers(body) == ["D000004"])
        box.value = "%"  # a character like any other, not LIKE's wildcard
        await wait_for(pilot, lambda: body.loaded and body.count == 0)


async def test_unknown_login_sees_a_message_not_a_crash(sqlite_db: TestDB) -> None:
    app = RecouvrementApp(sqlite_db.engine, "mallory", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: any("'mallory'" in n.message for n in app._notifications))
        assert app.is_running
        await pilot.press("q")


async def test_keys_typed_right_after_slash_go_into_the_filter(sqlite_db: TestDB) -> None:
    """Over SSH `/` and the text typed after it arrive together, before the box has the
    focus: they are still text for the filter, not keys for the list."""
    from textual import events

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        for key, character in [("slash", "/"), *[(c, c) for c in "ecoles"]]:
            app.post_message(events.Key(key, character))  # one burst, no wait between
        box = app.screen.query_one("#filter", Input)
        await wait_for(pilot, lambda: box.value == "ecoles" and body.count == 1)
        assert numbers(body) == ["D000002"]
        await pilot.press("escape", "escape")  # clear, then back to the list
        await wait_for(pilot, lambda: box.value == "" and body.count == 4)
        await pilot.press("down")
        assert box.value == ""  # keys for the list are the list's again
