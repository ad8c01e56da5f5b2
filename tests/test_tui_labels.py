"""Labels, amounts and dates read the same on every screen, in both languages, and fit:
an amount is never cut (tui.widgets.columns), a French word is not cut either at 120
columns, counts agree with their noun, the history reads like the rest of the screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from engine.dossiers import move_to_step
from engine.i18n import set_language
from engine.interventions import add_manual
from engine.scenarios import BUILTIN_NAME, COURTESY
from models.tables import DossierEntry
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.widgets.lazy_table import TableBody


def drawn(app: RecouvrementApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("en")


def seed(db: TestDB) -> None:
    """seed_tui, plus CBIG: a large invoice with a long label and the penalty charged on it,
    in a dossier moved to another scenario, with a manual call promising a payment."""
    seed_tui(db)
    with db.ctx(TODAY) as ctx:
        from engine.dossiers import open_dossier

        customer = add_customer(ctx.session, "CBIG", "Grands Travaux de l'Ouest")
        invoice = add_entry(
            ctx.session,
            customer,
            "invoice",
            "2025-11-02",
            "2393.77",
            due="2025-12-02",
            invoice="F-2025-0917",
        )
        invoice.label = "Travaux de rénovation de la toiture, bâtiment B"
        ctx.session.flush()
        dossier = open_dossier(ctx, "CBIG", BUILTIN_NAME, agent="alice")
        penalty = add_entry(
            ctx.session,
            customer,
            "penalty",
            "2026-01-10",
            "48.20",
            due="2026-01-10",
            invoice="F-2025-0917",
        )
        penalty.piece = "PEN-0001"
        penalty.label = "pénalités de retard F-2025-0917"
        ctx.session.flush()
        assert dossier.id is not None and penalty.id is not None
        ctx.session.add(DossierEntry(dossier_id=dossier.id, entry_id=penalty.id))
    with db.ctx(TODAY) as ctx:
        move_to_step(ctx, "D000005", 2, TODAY, scenario_name=COURTESY.name)
    with db.ctx(TODAY) as ctx:
        add_manual(
            ctx,
            "D000005",
            "phone",
            TODAY,
            "appelé le gérant",
            None,
            dt.date(2026, 3, 20),
            Decimal("2000.00"),
        )


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)


async def open_dossier_detail(app: RecouvrementApp, pilot: Any, number: str) -> Any:
    from tui.screens.dossier_detail import DossierDetailScreen

    body = app.screen.query_one(TableBody)
    await wait_for(pilot, lambda: body.loaded and body.count == 5)
    await pilot.press("slash", *number.lower(), "enter", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
    await wait_for(pilot, lambda: getattr(app.screen, "data", None) is not None)
    await settle(pilot)
    return app.screen


# -- the rule


def test_an_amount_keeps_its_width_and_text_gives_way() -> None:
    from tui.widgets.columns import Column, amount_column, fit, format_row

    cols = [
        Column("code", "Code", 12, rank=1),
        Column("name", "Name", 12, flex=True),
        Column("note", "Note", 30, rank=3),
        amount_column("amount", "Amount"),
    ]
    narrow = fit(cols, 40)
    assert [c.key for c in narrow] == ["code", "name", "amount"]  # the note went
    assert narrow[-1].width == 13
    assert sum(c.width + 1 for c in narrow) + 2 <= 40
    tiny = fit(cols, 30)
    assert tiny[-1].width == 13 and tiny[0].width < 12  # the code narrowed, not the amount
    # A title is not cut while there is room.
    assert fit([Column("done", "Réalisée le", 10)], 80)[0].width == 11
    # An amount wider than its column takes the room from the text on its left.
    line = format_row(narrow, {"code": "C1", "name": "A long name", "amount": Decimal("1e12")})
    assert "1,000,000,000,000.00" in line and len(line) == sum(c.width + 1 for c in narrow) - 1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_counts_agree_with_their_noun(lang: str) -> None:
    from tui.screens.dossiers import totals_text

    set_language(lang)
    try:
        one = totals_text({"dossiers": 1, "balance": Decimal("80.50"), "due_today": 1})
        two = totals_text({"dossiers": 2, "balance": Decimal("80.50"), "due_today": 2})
    finally:
        set_language("en")
    if lang == "en":
        assert one == "1 dossier · balance €80.50 · 1 action due today"
        assert two.startswith("2 dossiers") and two.endswith("2 actions due today")
    else:
        assert one.startswith("1 dossier ·") and one.endswith("1 action à faire aujourd'hui")
        assert two.startswith("2 dossiers ·") and "2 actions" in two


# -- the agent's screens


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [120, 80])
async def test_customer_detail_never_cuts_an_amount(
    sqlite_db: TestDB, lang: str, width: int
) -> None:
    from tui.screens.customers import CustomerDetailScreen

    set_language(lang)
    try:
        seed(sqlite_db)
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            app.push_screen(CustomerDetailScreen("CBIG"))
            await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await settle(pilot)
            text = drawn(app)
            big, small = ("2,393.77", "48.20") if lang == "en" else ("2\u202f393,77", "48,20")
            table = text.split("━")[-1]  # below the summary and the tabs
            assert big in table and small in table, text
            if lang == "fr" and width == 120:
                assert "pénalités de retard" in table  # the kind, whole
    finally:
        set_language("en")


async def test_french_at_120_columns_cuts_no_word(sqlite_db: TestDB, french: None) -> None:
    from tui.screens.forms import ManualForm

    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = drawn(app)
        assert "suspendu" in text and "suspen…" not in text  # the paused dossier's status
        assert "1 Dossiers" in text and "4 Scénarios" in text
        assert "1 action à faire" in text or "actions à faire aujourd'hui" in text
        detail = await open_dossier_detail(app, pilot, "D000005")
        text = drawn(app)
        assert "N° compte" not in text and "N° comp…" not in text  # no account column
        assert "4 Scénarios" in text  # the footer keeps the mode keys
        await pilot.press("right_square_bracket")
        await settle(pilot)
        text = drawn(app)
        assert "Réalisée le" in text and "Réalisée …" not in text
        assert "Manuelle" in text and "Manual" not in text  # a manual step, in French
        assert "passage à l'étape 2" in text and "moved to step" not in text
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualForm))
        await settle(pilot)
        for label in app.screen.query(".field-label"):
            words = str(label.render())
            assert label.content_region.width > len(words), words  # a space before the field
        await pilot.press("escape")
        assert detail is not None


def test_history_window_gives_values_as_they_were(db: TestDB) -> None:
    """Dates, amounts and the names of what ids point at, on both backends."""
    from engine.reads.dossier_page import history_window

    seed(db)
    with db.session() as session:
        rows = history_window(session, "D000005", 0, 50)
    changes = [c for row in rows for c in row["changes"]]
    assert ("promise_amount", None, Decimal("2000.00")) in changes
    assert ("promise_date", None, dt.date(2026, 3, 20)) in changes
    assert ("customer_id", None, "CBIG") in changes
    assert ("entry_id", None, "PEN-0001 (F-2025-0917)") in changes
    moved = [c for c in changes if c[0] == "scenario_id" and c[1] is not None]
    assert moved and moved[0][2] == COURTESY.name and isinstance(moved[0][1], str)


async def test_history_reads_names_dates_and_amounts(sqlite_db: TestDB, french: None) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        await open_dossier_detail(app, pilot, "D000005")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        text = drawn(app)
        assert "→ Relance courtoise" in text
        from tui import format as fmt

        assert fmt.money(Decimal("2000")) in text and "2000.00" not in text
        assert "20/03/2026" in text and "2026-03-20" not in text
        # whole phrases, agreed with their noun, and French punctuation
        assert "intervention" in text and "modifiée" in text
        assert "dossier modifié" in text
        assert "scénario : " in text and "scénario: " not in text


async def test_enter_shows_an_intervention_and_a_change_in_full(sqlite_db: TestDB) -> None:
    from tui.screens.dossier_detail import ReadModal

    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        detail = await open_dossier_detail(app, pilot, "D000005")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        text = drawn(app)
        # The scenario each step belongs to, after the change of scenario.
        assert "Absence paiem" in text and "Relance court" in text
        body = detail.tables["interventions"].body
        index = next(i for i in range(body.count) if body.row_at(i)["step"] == "Manual")
        await pilot.press("home", *["down"] * index, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadModal))
        text = drawn(app)
        assert "Promise: promised €2,000.00 on 2026-03-20" in text
        assert "appelé le gérant" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        await pilot.press("enter")  # the newest change: the manual call added
        await wait_for(pilot, lambda: isinstance(app.screen, ReadModal))
        text = drawn(app)
        assert "boss" in text and "promised amount: €2,000.00" in text
        assert "note: appelé le gérant" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)


async def test_entries_tab_says_which_invoice_a_charge_belongs_to(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_dossier_detail(app, pilot, "D000005")
        lines = drawn(app).splitlines()
        header = next(line for line in lines if "Piece" in line)
        assert "Account" not in header and "Invoice" in header
        penalty = next(line for line in lines if "PEN-0001" in line)
        invoice = next(line for line in lines if line.startswith("2025-11-02"))
        assert "F-2025-0917" in penalty
        assert invoice.count("F-2025-0917") == 1  # the piece only: no invoice repeating it


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_list_header_reads_as_a_title(language: str) -> None:
    """Column headers start with a capital in both languages (the agent's column read
    "agent", the command line's lower-case header, on three screens)."""
    from tui.screens import actions, customers, dossier_detail, dossiers

    set_language(language)
    try:
        makers = [
            actions.columns,
            dossiers.columns,
            customers.columns,
            customers.entry_columns,
            customers.contact_columns,
            customers.dossier_columns,
            dossier_detail.entry_columns,
            dossier_detail.intervention_columns,
            dossier_detail.contact_columns,
            dossier_detail.history_columns,
        ]
        titles = [column.title for make in makers for column in make(200)]
        lower = [title for title in titles if title[:1].islower()]
        assert not lower, lower
    finally:
        set_language("en")
