"""The demo data: believable, and exactly what the rules would have produced."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from engine.balances import CHARGE_KINDS, PRINCIPAL_KINDS, Line, allocate_group
from engine.calendar import WorkCalendar
from engine.context import Ctx
from engine.daily import run_daily
from engine.demo import COURTESY, build_demo, parse_size
from engine.dossiers import open_dossier
from engine.errors import UserError
from engine.rates import DEMO_NOTE
from engine.scenarios import BUILTIN_NAME
from engine.settings import Settings
from models.db import make_engine, session_factory, transaction
from models.tables import (
    Customer,
    Dossier,
    DossierEntry,
    Entry,
    Intervention,
    PenaltyRate,
    Scenario,
    ScenarioStep,
    Sequence,
    User,
)
from models.types import to_money
from tests.conftest import MANAGER, TestDB, built_once
from tests.factories import add_customer, add_entry

TODAY = dt.date(2026, 3, 2)
CALENDAR = WorkCalendar("FR")
ACCENTS = set("éèêëàâçôîïûùÉÈÊÀÇŒœ")
ONE_DAY = dt.timedelta(days=1)


# --- invariants shared by both flavours ---------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the daily pass could touch, to compare before and after it."""
    with engine.connect() as conn:
        return {
            model.__tablename__: [
                tuple(row)
                for row in conn.execute(select(model).order_by(*model.__mapper__.primary_key))
            ]
            for model in (Dossier, Intervention, Entry, Customer, DossierEntry)
        }


def daily(engine: Engine, today: dt.date = TODAY) -> None:
    with transaction(session_factory(engine)) as session:
        run_daily(Ctx.load(session, MANAGER, today))


def check_invariants(engine: Engine, today: dt.date = TODAY) -> dict[str, Any]:
    """The rules' invariants over the whole database; returns a few figures to assert on."""
    with Session(engine) as session:
        steps: dict[int, int] = dict(
            session.execute(
                select(ScenarioStep.scenario_id, func.count()).group_by(ScenarioStep.scenario_id)
            ).all()
        )
        dossiers = session.execute(
            select(
                Dossier.id, Dossier.status, Dossier.principal, Dossier.charges, Dossier.pause_until
            )
        ).all()
        todos: dict[int, list[Intervention]] = defaultdict(list)
        last_step: dict[int, Intervention] = {}
        for item in session.execute(select(Intervention).order_by(Intervention.id)).scalars():
            if item.step_no is None:
                continue
            if item.status == "todo":
                todos[item.dossier_id].append(item)
                # Rule 3: planned dates fall on working days.
                assert CALENDAR.is_working_day(item.planned), (item.id, item.planned)
            last_step[item.dossier_id] = item
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        rows = session.execute(
            select(DossierEntry.dossier_id, Entry.kind, Entry.open_amount).join(
                Entry, Entry.id == DossierEntry.entry_id
            )
        ).all()
        for dossier_id, kind, amount in rows:
            sums[dossier_id][0 if kind in PRINCIPAL_KINDS else 1] += amount
            assert kind in PRINCIPAL_KINDS + CHARGE_KINDS
        statuses: dict[str, int] = defaultdict(int)
        ended = 0
        for dossier_id, status, principal, charges, pause_until in dossiers:
            statuses[status] += 1
            # §3: balances are the open amounts of the dossier's entries.
            assert [principal, charges] == sums[dossier_id], dossier_id
            last = last_step.get(dossier_id)
            scenario_over = (
                last is not None
                and last.status != "todo"
                and last.step_no == steps[last.scenario_id or 0]
            )
            ended += scenario_over
            expected = 0 if status == "closed" or scenario_over else 1
            # Rule 1: exactly one current scenario intervention until the scenario ends.
            assert len(todos[dossier_id]) == expected, (dossier_id, status, todos[dossier_id])
            if status == "closed":
                assert principal <= 0
            else:
                assert principal > 0
            if status == "paused":
                assert pause_until is not None and pause_until >= today
        # Open amounts follow the lettering groups (§3).
        groups: dict[tuple[int, str, str], list[Line]] = defaultdict(list)
        stored: dict[int, Decimal] = {}
        for row in session.execute(
            select(
                Entry.id,
                Entry.customer_id,
                Entry.account,
                Entry.lettering,
                Entry.debit,
                Entry.credit,
                Entry.due_date,
                Entry.date,
                Entry.open_amount,
            )
        ):
            key = (row.customer_id, row.account, row.lettering or f"#{row.id}")
            groups[key].append(
                Line(row.id, row.debit, row.credit, (row.due_date or row.date, row.id))
            )
            stored[row.id] = row.open_amount
        for lines in groups.values():
            for entry_id, amount in allocate_group(lines).items():
                assert stored[entry_id] == amount, entry_id
        check_schedule(session)
        check_charges(session)
        kinds = dict(session.execute(select(Entry.kind, func.count()).group_by(Entry.kind)).all())
        current_steps = {item.step_no for items in todos.values() for item in items}
    return {"statuses": statuses, "kinds": kinds, "steps": current_steps, "ended": ended}


def check_schedule(session: Session) -> None:
    """Rule 2 replayed: each step planned from the previous one's done (or skipped) day, the
    first from the opening day, a paused dossier's current step after the pause (rule 7)."""
    delays = {
        (step.scenario_id, step.position): step.delay
        for step in session.execute(select(ScenarioStep)).scalars()
    }
    dossiers = {d.id: d for d in session.execute(select(Dossier)).scalars()}
    history: dict[int, list[Intervention]] = defaultdict(list)
    query = select(Intervention).where(Intervention.step_no.is_not(None)).order_by(Intervention.id)  # type: ignore[union-attr]
    for item in session.execute(query).scalars():
        history[item.dossier_id].append(item)
    for dossier_id, items in history.items():
        dossier = dossiers[dossier_id]
        base = dossier.created
        for position, item in enumerate(items, start=1):
            assert item.step_no == position and item.scenario_id == dossier.scenario_id
            expected = CALENDAR.plan(base, delays[(item.scenario_id, position)])
            if item.status == "todo" and dossier.status == "paused":
                assert dossier.pause_until is not None
                expected = max(expected, CALENDAR.next_working_day(dossier.pause_until + ONE_DAY))
            assert item.planned == expected, (dossier.number, position)
            if item.status != "todo":
                assert item.done is not None and base <= item.done <= TODAY
                base = item.done


def check_charges(session: Session) -> None:
    """§5: interest increments add up to the rounded running total, from the due date on;
    one indemnity per invoice; one fee per registered letter done."""
    penalties: dict[int, list[Entry]] = defaultdict(list)
    for entry in session.execute(select(Entry).where(Entry.kind == "penalty")).scalars():
        assert entry.invoice_id is not None
        penalties[entry.invoice_id].append(entry)
    for invoice_id, items in penalties.items():
        invoice = session.get(Entry, invoice_id)
        assert invoice is not None and invoice.due_date is not None
        items.sort(key=lambda e: e.period_end or TODAY)
        start = invoice.due_date
        for item in items:
            assert item.period_start == start
            start = item.period_end  # type: ignore[assignment]
        assert sum(item.debit for item in items) == to_money(items[-1].interest_exact or 0)
    indemnities = session.execute(
        select(Entry.invoice_id, func.count())
        .where(Entry.kind == "indemnity")
        .group_by(Entry.invoice_id)
    ).all()
    assert all(count == 1 for _invoice, count in indemnities)
    fees = session.execute(select(func.count()).where(Entry.kind == "fee")).scalar_one()
    letters = session.execute(
        select(func.count()).where(
            Intervention.type == "registered_letter", Intervention.status == "done"
        )
    ).scalar_one()
    assert fees == letters


def assert_daily_changes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    daily(engine)
    assert snapshot(engine) == before


# --- small: the services on past dates ----------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Engine]:
    """One full small demo on SQLite, shared by the tests that only read it: built once per
    run (the workers share the file) and copied for this module."""

    def build(engine: Engine) -> None:
        messages: list[str] = []
        report = build_demo(engine, MANAGER, TODAY, progress=messages.append)
        assert messages and report.seconds > 0

    built = built_once(tmp_path_factory, sqlite_template, "demo_small", build)
    path = tmp_path_factory.mktemp("demo") / "small.sqlite3"
    shutil.copy(built, path)
    engine = make_engine(str(path))
    yield engine
    engine.dispose()


def test_small_counts_and_people(small: Engine) -> None:
    with Session(small) as session:

        def count(model: Any) -> int:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

        assert 250 <= count(Customer) <= 350
        invoices = session.execute(
            select(func.count()).select_from(Entry).where(Entry.kind == "invoice")
        ).scalar_one()
        assert 1_200 <= invoices <= 1_900
        assert 100 <= count(Dossier) <= 140
        names = session.execute(select(Customer.name)).scalars().all()
        assert sum(1 for name in names if ACCENTS & set(name)) > 50
        assert any(name.endswith(("SARL", "SAS", "EURL")) for name in names)
        customers = session.execute(select(Customer)).scalars().all()
        assert all(len(c.siren) == 9 and c.siren.isdigit() for c in customers if not c.consumer)
        assert any(c.consumer for c in customers) and any(
            c.excluded_from_reminders for c in customers
        )
        assert {45, 60} <= {c.payment_terms_days for c in customers}
        users = {u.login: u.role for u in session.execute(select(User)).scalars()}
        assert users[MANAGER] == "manager"
        assert sorted(role for role in users.values()) == [
            "agent",
            "agent",
            "agent",
            "auditor",
            "manager",
        ]
        assert Settings.load(session).open_access is True
        scenarios = set(session.execute(select(Scenario.name)).scalars())
        assert {BUILTIN_NAME, COURTESY.name} <= scenarios
        agents = session.execute(select(Dossier.agent, func.count()).group_by(Dossier.agent)).all()
        assert len(agents) == 3 and all(n >= 20 for _agent, n in agents)
        by_scenario = session.execute(
            select(Dossier.scenario_id, func.count()).group_by(Dossier.scenario_id)
        ).all()
        assert len(by_scenario) == 2


def test_small_dossiers_follow_the_rules(small: Engine) -> None:
    figures = check_invariants(small)
    assert set(figures["statuses"]) == {"open", "paused", "closed"}
    assert len(figures["steps"]) >= 6  # dossiers stand at many different steps
    assert figures["ended"] > 0
    assert {"penalty", "fee", "indemnity", "credit_note", "deposit"} <= set(figures["kinds"])
    with Session(small) as session:
        reasons = session.execute(
            select(Dossier.pause_reason, Dossier.promise_amount).where(Dossier.status == "paused")
        ).all()
        assert any(reason.startswith("Litige") for reason, _amount in reasons)
        assert any(amount is not None for _reason, amount in reasons)
        manual = session.execute(
            select(func.count()).select_from(Intervention).where(Intervention.step_no.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
        assert manual > 0
        insolvent = session.execute(
            select(func.count()).select_from(Customer).where(Customer.risk_code == "Insolvable")
        ).scalar_one()
        assert insolvent > 0
        provisions = session.execute(
            select(func.count()).select_from(Dossier).where(Dossier.provision > 0)
        ).scalar_one()
        assert provisions > 0


def test_small_daily_pass_changes_nothing(small: Engine) -> None:
    assert_daily_changes_nothing(small)


def test_small_refuses_a_filled_database(small: Engine) -> None:
    with pytest.raises(UserError, match="already holds customers"):
        build_demo(small, MANAGER, TODAY)


def test_small_is_deterministic(tmp_path: Path, sqlite_template: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        engine = make_engine(str(path))
        build_demo(engine, MANAGER, TODAY, scale=0.1)
        dumps.append(snapshot(engine))
        engine.dispose()
    assert dumps[0]["dossier"] and dumps[0] == dumps[1]


def test_small_scaled_on_both_backends(db: TestDB) -> None:
    if db.engine.dialect.name == "sqlite":
        pytest.skip("on SQLite the full small demo is checked (test_small_*)")
    report = build_demo(db.engine, MANAGER, TODAY, scale=0.25)
    assert 25 <= report.dossiers <= 40
    figures = check_invariants(db.engine)
    assert set(figures["statuses"]) == {"open", "paused", "closed"}
    assert_daily_changes_nothing(db.engine)


def test_demo_needs_a_manager(sqlite_db: TestDB) -> None:
    build_demo(sqlite_db.engine, MANAGER, TODAY, 3)  # adds the agents
    with pytest.raises(UserError, match="Only a manager"):
        build_demo(sqlite_db.engine, "mlefebvre", TODAY)


def test_sizes() -> None:
    assert parse_size("small") is None
    assert parse_size("large") == 100_000
    assert parse_size("2500") == 2500
    assert parse_size(7) == 7
    for bad in ("huge", "0", -3, ""):
        with pytest.raises(UserError, match="Unknown demo size"):
            parse_size(bad)


# --- large flavour: bulk inserts ---------------------------------------------------------


def test_bulk_flavour_is_what_the_rules_produce(db: TestDB) -> None:
    report = build_demo(db.engine, MANAGER, TODAY, 500)
    assert report.dossiers == 500
    assert 120 <= report.customers <= 250
    assert 8 * 500 <= report.entries <= 13 * 500
    figures = check_invariants(db.engine)
    assert set(figures["statuses"]) == {"open", "paused", "closed"}
    assert figures["statuses"]["open"] > 250
    assert len(figures["steps"]) >= 8
    assert {"penalty", "fee", "indemnity", "payment", "credit_note"} <= set(figures["kinds"])
    with Session(db.engine) as session:
        numbers = session.execute(select(Dossier.number, Dossier.created).order_by(Dossier.number))
        rows = numbers.all()
        assert rows[0][0] == "D000001" and rows[-1][0] == "D000500"
        assert [created for _n, created in rows] == sorted(created for _n, created in rows)
        assert session.get(Sequence, "dossier").value == 500  # type: ignore[union-attr]
        names = session.execute(select(Customer.name)).scalars().all()
        assert any(ACCENTS & set(name) for name in names)
    assert_daily_changes_nothing(db.engine)
    # The engine carries on from there: new rows get fresh ids and the next number.
    with db.ctx(TODAY) as ctx:
        customer = add_customer(ctx.session, "CNOUVEAU", "Nouveau Client SARL")
        add_entry(ctx.session, customer, "invoice", "2026-01-05", "1200.00", due="2026-02-04")
        dossier = open_dossier(ctx, "CNOUVEAU", BUILTIN_NAME)
        assert dossier.number == "D000501"


def test_bulk_flavour_is_deterministic(tmp_path: Path, sqlite_template: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        engine = make_engine(str(path))
        build_demo(engine, MANAGER, TODAY, 120)
        dumps.append(snapshot(engine))
        engine.dispose()
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("size", [20, "small"])
def test_the_demo_builds_after_the_last_published_rate(sqlite_db: TestDB, size: int | str) -> None:
    """The demo runs on any day: half-years the shipped table lacks get a row marked as a
    demo value, so penalties are computed and nobody takes it for a published rate."""
    late = dt.date(2027, 2, 15)
    build_demo(sqlite_db.engine, MANAGER, late, size, scale=0.1)
    with sqlite_db.session() as session:
        added = session.exec(
            select(PenaltyRate.start, PenaltyRate.note).where(PenaltyRate.start > TODAY)
        ).all()
    assert [(start.isoformat(), note) for start, note in added] == [
        ("2026-07-01", DEMO_NOTE),
        ("2027-01-01", DEMO_NOTE),
    ]
    with sqlite_db.session() as session:
        check_charges(session)
        late_penalties = session.execute(
            select(func.count()).where(Entry.kind == "penalty", Entry.period_end > TODAY)
        ).scalar_one()
    assert late_penalties > 0  # computed over the half-years the demo rows cover
