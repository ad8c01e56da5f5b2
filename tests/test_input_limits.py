"""Limits on what people and files give, the same on SQLite and PostgreSQL: dates in a sane
range, texts within their column and without NUL (checked before the database, with a
safety net on every flush), amounts whose spaces only group thousands, filters that take
``%`` and ``_`` literally, and computed dates that never overflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import select

from engine.calendar import HORIZON, WorkCalendar
from engine.dossiers import open_dossier
from engine.errors import UserError
from engine.interventions import add_note
from engine.parsing import MAX_DATE, MIN_DATE, check_text, parse_amount, parse_date
from engine.reads.customer_list import CustomerFilter, customer_count, customer_window
from engine.reads.dossier_list import dossier_count, dossier_window
from engine.reads.filters import DossierFilter, contains_pattern
from engine.reads.lookup import find_targets
from engine.reads.worklist import WorklistFilter, worklist_count, worklist_window
from engine.scenarios import BUILTIN_NAME, parse_toml
from engine.text_limits import field_limit
from models.tables import Customer, Dossier, Intervention, Scenario
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry

TODAY = dt.date(2026, 3, 2)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9999-12-31", "31/12/9999", "2200-01-01", "1899-12-31"])
def test_dates_outside_the_range_are_refused_naming_the_range(text: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_date(text, "--until")
    assert refused.value.message == (
        f"Invalid --until {text!r}: expected a date from 1900-01-01 to 2199-12-31."
    )


def test_the_range_ends_are_dates_people_may_give() -> None:
    assert parse_date("1900-01-01") == MIN_DATE
    assert parse_date("31/12/2199") == MAX_DATE


def test_computed_dates_stop_at_the_horizon_instead_of_overflowing() -> None:
    calendar = WorkCalendar("FR", business_days=True)
    assert calendar.plan(dt.date(9000, 6, 1), 3650) == HORIZON
    assert calendar.plan(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 9)  # Saturday: Monday
    day = MAX_DATE
    for _ in range(2000):  # a forecast of 2,000 ten-year steps from the last date allowed
        day = calendar.plan(day, 3650)
    assert day == HORIZON


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1 2 3", "12 34", "1 234 5", "1  234", "1 2345,00", "- 100"])
def test_spaces_only_separate_groups_of_three_digits(text: str) -> None:
    with pytest.raises(UserError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1 234,56", "1234.56"), ("12 345 678.9", "12345678.90"), ("1\u00a0234", "1234.00")],
)
def test_thousands_separated_by_spaces_still_read(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


# --- texts -----------------------------------------------------------------------------------


def test_check_text_names_the_field_and_the_limit() -> None:
    assert check_text("a\tb\x1b[2J", "label", 200) == "a\tb\x1b[2J"  # kept exactly
    with pytest.raises(UserError, match="Label is 201 characters long: expected at most 200"):
        check_text("x" * 201, "label", 200)
    with pytest.raises(UserError, match="Label contains a NUL character"):
        check_text("a\x00", "label", 200)
    with pytest.raises(UserError, match="not UTF-8"):
        check_text("a\udcff", "label", 200)


def test_check_text_plain_refuses_what_a_terminal_would_obey() -> None:
    """``plain=True``: one refusal for every character ``engine.inert`` would escape (C0
    but tab, DEL, C1, bidi controls, line separators), naming the field and the character;
    ``multiline=True`` lets line breaks through, and only them."""
    assert check_text("a\tb €", "label", 200, plain=True) == "a\tb €"
    assert check_text("a\nb", "label", 200, plain=True, multiline=True) == "a\nb"
    for text, shown in [
        ("a\x1b[2J", "\\x1b"),
        ("a\x00", "\\x00"),
        ("a\nb", "\\n"),
        ("a\x9b", "\\x9b"),
        ("Abc\u202edef", "\\u202e"),
        ("01\u2028 02", "\\u2028"),
    ]:
        with pytest.raises(UserError) as caught:
            check_text(text, "label", 200, plain=True)
        assert caught.value.message == (
            f"Label contains a control character ({shown}): expected plain text."
        )
    with pytest.raises(UserError, match=r"--note contains a control character \(\\r\)"):
        check_text("a\r\nb", "--note", 200, plain=True, multiline=True)
    with pytest.raises(UserError, match="Label is 201 characters long: expected at most 200"):
        check_text("x" * 201, "label", 200, plain=True)


def test_column_limits_come_from_the_tables() -> None:
    assert field_limit(Dossier, "reason") == 200
    assert field_limit(Customer, "code") == 40
    assert field_limit(Intervention, "note") == 10_000  # a TEXT column with a limit of its own


def test_every_row_written_is_checked_on_flush(db: TestDB) -> None:
    """The safety net: a service that forgot a check still cannot store what one backend
    would refuse and the other keep."""
    with (
        pytest.raises(UserError, match=r"customer\.name is 201 characters long: .* 200"),
        db.session() as session,
    ):
        add_customer(session, "C1", "n" * 201)
    with (
        pytest.raises(UserError, match=r"scenario\.name contains a NUL character"),
        db.session() as session,
    ):
        session.add(Scenario(name="a\x00b"))
        session.flush()
    with db.session() as session:
        add_customer(session, "C1", "Dupont")
    with (
        pytest.raises(UserError, match=r"customer\.name is 100000 characters long"),
        db.session() as session,
    ):
        customer = session.get(Customer, 1)
        assert customer is not None
        customer.name = "n" * 100_000
        session.flush()
    with db.session() as session:
        customer = session.get(Customer, 1)
        assert customer is not None and customer.name == "Dupont"


def seed_intervention(db: TestDB) -> int:
    with db.ctx(TODAY) as ctx:
        customer = add_customer(ctx.session, "C1", "Dupont")
        add_entry(ctx.session, customer, "invoice", "2025-12-01", "100.00", due="2025-12-31")
    with db.ctx(TODAY) as ctx:
        number = open_dossier(ctx, "C1", BUILTIN_NAME).number
    with db.session() as session:
        todo = session.exec(select(Intervention).where(Intervention.step_no == 1)).one()
        assert todo.id is not None and number
        return todo.id


def test_notes_added_in_the_worklist_stay_within_their_limit(db: TestDB) -> None:
    ident = seed_intervention(db)
    with pytest.raises(UserError, match="Note is 10001 characters long"), db.ctx(TODAY) as ctx:
        add_note(ctx, ident, "n" * 10_001)
    with db.ctx(TODAY) as ctx:
        add_note(ctx, ident, "n" * 6000)
    # Each note fits, their sum does not: the flush check refuses it.
    with (
        pytest.raises(UserError, match=r"intervention\.note .* at most 10000"),
        db.ctx(TODAY) as ctx,
    ):
        add_note(ctx, ident, "m" * 6000)


# --- scenario files --------------------------------------------------------------------------


def test_a_scenario_file_keeps_integer_amounts_and_quoted_decimals(db: TestDB) -> None:
    toml = 'name = "S"\n[[steps]]\nname = "A"\nfees = 30\nloss_percent = "12.5"\ndelay = 3650\n'
    with db.session() as session:
        spec = parse_toml(session, toml)
    assert spec.steps[0].fees == Decimal("30.00")
    assert spec.steps[0].loss_percent == Decimal("12.5")
    assert spec.steps[0].delay == 3650


# --- filters ---------------------------------------------------------------------------------


def test_contains_pattern_escapes_like_wildcards() -> None:
    assert contains_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def seed_names(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        for code, name in (
            ("P1", "Remise 50% net"),
            ("P2", "Dupont"),
            ("U_1", "Under_score"),
            ("UX1", "UnderXscore"),
            ("B1", "Back\\slash"),
        ):
            customer = add_customer(ctx.session, code, name)
            add_entry(ctx.session, customer, "invoice", "2025-12-01", "100.00", due="2025-12-31")
    with db.ctx(TODAY) as ctx:
        for code in ("P1", "P2", "U_1", "UX1", "B1"):
            open_dossier(ctx, code, BUILTIN_NAME)


@pytest.mark.parametrize(
    ("text", "codes"),
    [("%", ["P1"]), ("_", ["U_1"]), ("r_s", ["U_1"]), ("\\", ["B1"]), ("50%", ["P1"])],
)
def test_filters_take_percent_and_underscore_literally(
    db: TestDB, text: str, codes: list[str]
) -> None:
    seed_names(db)
    with db.ctx(TODAY) as ctx:
        session = ctx.session
        customers = customer_window(session, CustomerFilter(text=text), 0, 50, TODAY)
        assert [row["code"] for row in customers] == codes
        assert customer_count(session, CustomerFilter(text=text), TODAY) == len(codes)
        dossiers = dossier_window(session, DossierFilter(text=text), 0, 50, TODAY)
        assert sorted(row["customer"] for row in dossiers) == codes
        assert dossier_count(session, DossierFilter(text=text)) == len(codes)
        todos = worklist_window(session, WorklistFilter(text=text), 0, 50, TODAY)
        assert sorted({row["customer"] for row in todos}) == codes
        assert worklist_count(session, WorklistFilter(text=text), TODAY) == len(todos)
        found = find_targets(session, text)
        assert sorted(key for kind, key, _label in found if kind == "customer") == codes


async def test_the_dossier_list_filter_takes_percent_literally(sqlite_db: TestDB) -> None:
    """In the TUI: typing ``%`` keeps only the dossier whose customer name holds one."""
    from textual.widgets import Input

    from tests.tui_helpers import seed_tui, wait_for
    from tui.app import RecouvrementApp
    from tui.widgets.lazy_table import TableBody

    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        customer = add_customer(ctx.session, "CREMISE", "Remise 100% SARL")
        add_entry(ctx.session, customer, "invoice", "2025-12-01", "90.00", due="2025-12-31")
        number = open_dossier(ctx, "CREMISE", BUILTIN_NAME).number
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 5)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("%")
        await wait_for(pilot, lambda: body.loaded and body.count == 1)
        assert body.row_at(0)["number"] == number  # type: ignore[index]
        await pilot.press("q")


def test_a_nul_pasted_into_a_filter_is_dropped(db: TestDB) -> None:
    seed_names(db)
    with db.ctx(TODAY) as ctx:
        flt = CustomerFilter(text="Dup\x00ont")
        assert [row["code"] for row in customer_window(ctx.session, flt, 0, 50, TODAY)] == ["P2"]
        assert dossier_count(ctx.session, DossierFilter(text="\x00")) == 5
        assert worklist_count(ctx.session, WorklistFilter(text="P\x002"), TODAY) == 1
        assert [key for _k, key, _l in find_targets(ctx.session, "P\x002")] == ["D000002", "P2"]
