"""The amount on day D (docs/RULES.md): a step done with a past date uses what was open that
day, even when a payment dated later is already imported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine.balances import (
    Line,
    allocate_group,
    allocate_group_on,
    open_amounts_on,
    principal_on,
    refresh_dossiers,
)
from engine.penalties import RateTable, interest, interest_exact, penalty_increment
from models.tables import Dossier, DossierEntry, Entry
from models.types import to_money
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import Cli

HEADER = (
    "customer_code;customer_name;journal;date;piece;invoice;account;label;due_date;"
    "debit;credit;lettering\n"
)
INVOICE = "CAUDIT;Audit SA;VTE;2026-01-01;F1;F1;411000;Facture F1;2026-01-31;1000.00;;{letter}\n"
PAYMENT = "CAUDIT;Audit SA;BQ;2026-03-11;R1;F1;411000;Règlement F1;;;400.00;A\n"


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


def _import(cli: Cli, tmp_path: Path, name: str, body: str, today: str) -> None:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    code, _out, err = cli("import", "csv", str(path), today=today)
    assert code == 0, err


def test_a_step_done_with_a_past_date_uses_the_amounts_of_that_day(
    cli: Cli, db: TestDB, tmp_path: Path
) -> None:
    assert cli("settings", "set", "penalty_rate", "12.15")[0] == 0
    _import(cli, tmp_path, "a.csv", INVOICE.format(letter=""), "2026-03-02")
    code, out, err = cli(
        "dossier",
        "open",
        "CAUDIT",
        "--scenario",
        "Absence paiement - Recouv. amiable",
        today="2026-03-02",
    )
    assert code == 0, err
    number = out.strip().split()[-1]
    # The payment of 03-11, lettered with the invoice, arrives with the import of 03-12.
    _import(cli, tmp_path, "b.csv", INVOICE.format(letter="A") + PAYMENT, "2026-03-12")
    assert cli("dossier", "step", number, "7", "--date", "2026-03-09", today="2026-03-12")[0] == 0
    shown = cli.json("dossier", "show", number, today="2026-03-12")
    todo = [i for i in shown["interventions"] if i["status"] == "todo"]
    assert [i["step_no"] for i in todo] == [7]
    code, _out, err = cli(
        "intervention", "done", str(todo[0]["id"]), "--date", "2026-03-09", today="2026-03-12"
    )
    assert code == 0, err
    with db.session() as session:
        penalties = session.exec(select(Entry).where(Entry.kind == "penalty")).all()
        dossier = session.exec(select(Dossier)).one()
        # 1,000.00 × 12.15 % × 37 / 365 on the amount open on 03-09, not the 600.00 of today.
        assert [p.debit for p in penalties] == [Decimal("12.32")]
        assert (penalties[0].period_start.isoformat(), penalties[0].period_end.isoformat()) == (
            "2026-01-31",
            "2026-03-09",
        )
        assert dossier.provision == Decimal("200.00")
        # Today's amounts are unchanged: 600.00 still owed.
        assert dossier.principal == Decimal("600.00")

    # The next step cannot be dated before this one: its provision, computed on an earlier
    # day, would replace the one of 03-09 (the scenario runs forward).
    shown = cli.json("dossier", "show", number, today="2026-03-12")
    step_8 = next(i for i in shown["interventions"] if i["status"] == "todo")
    for verb in ("done", "skip"):
        code, _out, err = cli(
            "intervention", verb, str(step_8["id"]), "--date", "2026-03-05", today="2026-03-12"
        )
        assert code == 2
        assert err.strip() == (
            "Date 2026-03-05 is before 2026-03-09, when step 7 (Courrier LRAR) was marked "
            "done: expected 2026-03-09 or later."
        )
    assert (
        cli("intervention", "done", str(step_8["id"]), "--date", "2026-03-09", today="2026-03-12")[
            0
        ]
        == 0
    )


# -- properties --------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31))
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
# (is_invoice, amount, date, lettering)
entry_specs = st.lists(
    st.tuples(st.booleans(), amounts, dates, st.sampled_from([None, "A", "B"])),
    min_size=1,
    max_size=7,
)


def _lines(specs: list[tuple[bool, Decimal, dt.date, str | None]]) -> list[tuple[Line, dt.date]]:
    return [
        (
            Line(i, amount if invoice else Decimal(0), Decimal(0) if invoice else amount, (day, i)),
            day,
        )
        for i, (invoice, amount, day, _letter) in enumerate(specs)
    ]


@given(entry_specs, dates)
def test_with_nothing_dated_later_the_amounts_on_a_day_are_todays(
    specs: list[tuple[bool, Decimal, dt.date, str | None]], day: dt.date
) -> None:
    lines = _lines([(inv, amount, min(date, day), letter) for inv, amount, date, letter in specs])
    assert allocate_group_on(lines, day) == allocate_group(line for line, _ in lines)


@given(entry_specs, dates)
def test_the_amounts_on_a_day_ignore_what_is_dated_later(
    specs: list[tuple[bool, Decimal, dt.date, str | None]], day: dt.date
) -> None:
    lines = _lines(specs)
    on_day = allocate_group_on(lines, day)
    assert set(on_day) == {line.id for line, date in lines if date <= day}
    assert sum(on_day.values(), Decimal(0)) == sum(
        (line.debit - line.credit for line, date in lines if date <= day), Decimal(0)
    )


@settings(max_examples=150)
@given(
    amounts,
    st.lists(st.tuples(amounts, st.integers(min_value=0, max_value=200)), max_size=3),
    st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=6),
)
def test_penalty_increments_on_the_amount_of_their_day_add_up_to_one_computation(
    invoiced: Decimal, payments: list[tuple[Decimal, int]], gaps: list[int]
) -> None:
    """Each increment is charged on the amount open on its day; together they are the
    rounded sum of the slices, each at the amount of its computation day."""
    due = dt.date(2025, 6, 30)
    group = [(Line(0, invoiced, Decimal(0), (due, 0)), due - dt.timedelta(days=30))]
    group += [
        (Line(i + 1, Decimal(0), paid, (due, i + 1)), due + dt.timedelta(days=offset))
        for i, (paid, offset) in enumerate(payments)
    ]
    rates = RateTable.flat(Decimal("12.15"))
    day, last_end, cumulative, charged, slices = due, None, Decimal(0), [], Decimal(0)
    for gap in gaps:
        day = day + dt.timedelta(days=gap)
        open_amount = allocate_group_on(group, day).get(0, Decimal(0))
        step = penalty_increment(open_amount, due, day, rates, last_end, cumulative, charged)
        if step is not None:  # what the effects record: one penalty entry
            slices += interest_exact(open_amount, step.period_start, step.period_end, rates)
            last_end, cumulative = step.period_end, step.cumulative_exact
            charged.append(step.amount)
    assert sum(charged, Decimal(0)) == to_money(slices)
    if not payments and last_end is not None:
        assert sum(charged, Decimal(0)) == interest(invoiced, due, last_end, rates)


_codes = iter(range(10**6))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entry_specs, dates)
def test_in_the_database_with_nothing_dated_later_the_amounts_on_a_day_are_todays(
    sqlite_db: TestDB, specs: list[tuple[bool, Decimal, dt.date, str | None]], day: dt.date
) -> None:
    """open_amounts_on / principal_on against the stored open amounts and principal."""
    with sqlite_db.session() as session:
        customer = add_customer(session, f"C{next(_codes)}", "Prop")
        entries = [
            add_entry(
                session,
                customer,
                "invoice" if invoice else "payment",
                min(date, day).isoformat(),
                str(amount),
                due=min(date, day).isoformat() if invoice else None,
                lettering=letter,
            )
            for invoice, amount, date, letter in specs
        ]
        assert customer.id is not None
        dossier = Dossier(number=f"P{customer.id}", customer_id=customer.id, created=day)
        session.add(dossier)
        session.flush()
        assert dossier.id is not None
        for entry in entries:
            session.add(DossierEntry(dossier_id=dossier.id, entry_id=entry.id))
        session.flush()
        refresh_dossiers(session, [dossier.id])
        for entry in entries:
            session.refresh(entry)
        ids = [e.id for e in entries if e.id is not None]
        assert open_amounts_on(session, ids, day) == {e.id: e.open_amount for e in entries}
        session.refresh(dossier)
        assert principal_on(session, dossier.id, day) == dossier.principal
        # and the day before the oldest entry, nothing was open yet
        first = min(e.date for e in entries) - dt.timedelta(days=1)
        assert set(open_amounts_on(session, ids, first).values()) == {Decimal(0)}
        assert principal_on(session, dossier.id, first) == Decimal(0)
