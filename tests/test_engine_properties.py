"""Hypothesis over the database: any sequence of commands keeps the rules, and repeating a
command or the daily pass changes nothing (docs/RULES.md)."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.daily import run_daily
from engine.dossiers import move_to_step, open_dossier, pause, resume
from engine.errors import UserError
from engine.interventions import add_manual, mark_done, mark_skipped
from engine.planning import current_todo
from engine.scenarios import BUILTIN_NAME
from engine.settings import set_setting
from models.db import make_engine, session_factory
from models.tables import Dossier, DossierEntry, Entry, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry

START = dt.date(2026, 3, 2)
NUMBER = "D000001"  # the dossier every sequence works on

operations = st.lists(
    st.tuples(
        st.sampled_from(["done", "skip", "move", "pause", "resume", "manual", "daily"]),
        st.integers(min_value=0, max_value=9),  # days to wait before the command
        st.integers(min_value=1, max_value=10),  # a step number or a pause length
    ),
    min_size=1,
    max_size=12,
)


def snapshot(db: TestDB) -> Any:
    with db.session() as session:
        dossiers = session.execute(select(Dossier).order_by(Dossier.id)).scalars().all()
        items = session.execute(select(Intervention).order_by(Intervention.id)).scalars().all()
        entries = session.execute(select(Entry).order_by(Entry.id)).scalars().all()
        return (
            [
                (d.status, d.pause_until, d.provision, d.principal, d.charges, d.scenario_id)
                for d in dossiers
            ],
            [(i.status, i.planned, i.done, i.step_no) for i in items],
            [(e.kind, e.debit, e.open_amount) for e in entries],
        )


def check_invariants(db: TestDB) -> None:
    with db.ctx(START) as ctx:
        session = ctx.session
        for dossier in session.execute(select(Dossier)).scalars():
            todos = (
                session.execute(
                    select(Intervention).where(
                        Intervention.dossier_id == dossier.id,
                        Intervention.status == "todo",
                        Intervention.step_no.is_not(None),  # type: ignore[union-attr]
                    )
                )
                .scalars()
                .all()
            )
            assert len(todos) <= 1
            for todo in todos:
                assert ctx.calendar.is_working_day(todo.planned)
                if dossier.status == "paused" and dossier.pause_until:
                    assert todo.planned > dossier.pause_until
            opens = session.execute(
                select(Entry.kind, Entry.open_amount)
                .join(DossierEntry, DossierEntry.entry_id == Entry.id)
                .where(DossierEntry.dossier_id == dossier.id)
            ).all()
            principal = sum(
                (a for k, a in opens if k not in ("fee", "penalty", "indemnity")), Decimal(0)
            )
            charges = sum((a for k, a in opens if k in ("fee", "penalty", "indemnity")), Decimal(0))
            assert (dossier.principal, dossier.charges) == (principal, charges)
        # dates never go backwards: each scenario step is planned on or after the previous
        # step was finished
        finished = (
            session.execute(
                select(Intervention)
                .where(Intervention.step_no.is_not(None))  # type: ignore[union-attr]
                .order_by(Intervention.id)
            )
            .scalars()
            .all()
        )
        for before, after in pairwise(finished):
            if before.done is not None and after.status == "todo":
                assert after.planned >= before.done


@pytest.fixture(scope="module")
def starting_point(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The database every sequence starts from, made once: each example copies the file
    rather than repeating the same set-up (a quarter of the test's time)."""
    path = tmp_path_factory.mktemp("properties") / "start.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(str(path))
    try:
        assert start(TestDB(str(path), engine, session_factory(engine))) == NUMBER
    finally:
        engine.dispose()
    return path


def start(db: TestDB) -> str:
    """A customer owing two invoices less a payment, and a dossier opened on 2026-03-02."""
    with db.ctx(START) as ctx:
        set_setting(ctx.session, "penalty_rate", "12.15", ctx.actor)
        customer = add_customer(ctx.session)
        add_entry(ctx.session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01")
        add_entry(ctx.session, customer, "invoice", "2026-01-10", "80.10", due="2026-02-09")
        add_entry(ctx.session, customer, "payment", "2026-02-15", "30.00")
    with db.ctx(START) as ctx:
        return open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_any_sequence_keeps_the_rules_and_repeats_change_nothing(
    starting_point: Path, ops: list[tuple[str, int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.sqlite3"
        shutil.copy(starting_point, path)
        engine = make_engine(str(path))
        db = TestDB(str(path), engine, session_factory(engine))
        try:
            run_sequence(db, ops)
        finally:
            engine.dispose()


def run_sequence(db: TestDB, ops: list[tuple[str, int, int]]) -> None:
    number = NUMBER
    day = START
    for op, wait, arg in ops:
        day = day + dt.timedelta(days=wait)

        def command(ctx: Any, op: str = op, arg: int = arg, day: dt.date = day) -> None:
            todo = current_todo(ctx.session, 1)
            actions: dict[str, Callable[[], Any]] = {
                "done": lambda: todo and mark_done(ctx, todo.id, day),
                "skip": lambda: todo and mark_skipped(ctx, todo.id, day),
                "move": lambda: move_to_step(ctx, number, arg, day),
                "pause": lambda: pause(ctx, number, day + dt.timedelta(days=arg), "Promesse"),
                "resume": lambda: resume(ctx, number),
                "manual": lambda: add_manual(ctx, number, "phone", day),
                "daily": lambda: run_daily(ctx),
            }
            actions[op]()

        try:
            with db.ctx(day) as ctx:
                command(ctx)
        except UserError:
            continue  # refused (e.g. a closed dossier): nothing was written
        check_invariants(db)
        if op == "manual":
            continue  # adding an intervention twice is two interventions, by design
        before = snapshot(db)
        # Repeat the same command (the done/skip target is the intervention just finished).
        with db.ctx(day) as ctx:
            if op in ("done", "skip"):
                last = (
                    ctx.session.execute(
                        select(Intervention)
                        .where(Intervention.done == day)
                        .order_by(Intervention.id.desc())  # type: ignore[union-attr]
                    )
                    .scalars()
                    .first()
                )
                if last is not None and last.step_no is not None:
                    # Refused, saying when and by whom (a repeat never drops a note silently).
                    with pytest.raises(UserError, match="already"):
                        (mark_done if op == "done" else mark_skipped)(ctx, last.id, day)  # type: ignore[arg-type]
            else:
                with suppress(UserError):
                    command(ctx)
        assert snapshot(db) == before, f"repeating {op} changed the data"
        with db.ctx(day) as ctx:
            run_daily(ctx)
        after_daily = snapshot(db)
        with db.ctx(day) as ctx:
            run_daily(ctx)
        assert snapshot(db) == after_daily, "the daily pass twice changed the data"
