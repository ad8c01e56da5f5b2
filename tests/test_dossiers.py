"""Dossier services on both backends: opening, pauses, moves, closing, locking, history."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import func, select

from engine.access import add_user
from engine.balances import refresh_open_amounts
from engine.daily import run_daily
from engine.dossiers import find_customer, move_to_step, open_dossier, pause, resume, update_dossier
from engine.errors import Conflict, Forbidden, NotFound, UserError
from engine.interventions import add_manual, mark_done, mark_skipped, reschedule
from engine.planning import current_todo, forecast
from engine.reads.views import dossier_detail
from engine.scenarios import BUILTIN_NAME
from models.tables import Dossier, Entry, History, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d


def seed(db: TestDB) -> None:
    with db.ctx() as ctx:
        customer = add_customer(ctx.session)
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "1200.00",
            due="2026-02-01",
            invoice="F1",
        )
        add_entry(
            ctx.session, customer, "invoice", "2026-02-20", "300.00", due="2026-03-22", invoice="F2"
        )  # not yet due on 03-02
        add_entry(ctx.session, customer, "credit_note", "2026-01-15", "50.00", invoice="AV1")
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2025-12-01",
            "99.00",
            due="2025-12-31",
            invoice="F0",
            lettering="AA",
        )
        add_entry(ctx.session, customer, "payment", "2026-01-05", "99.00", lettering="AA")
        add_user(ctx.session, None, "alice", "agent")
        add_user(ctx.session, None, "bob", "agent")
        add_user(ctx.session, None, "audrey", "auditor")


def open_one(db: TestDB, agent: str | None = "alice") -> str:
    with db.ctx() as ctx:
        return open_dossier(ctx, "CDUPONT", BUILTIN_NAME, agent=agent, reason="Retard").number


def test_opening_takes_overdue_invoices_and_open_credits(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.session() as session:
        detail = dossier_detail(session, number)
    assert number == "D000001"
    assert sorted(e["invoice"] for e in detail["entries"]) == ["AV1", "F1"]
    assert detail["principal"] == Decimal("1150.00")
    assert detail["charges"] == Decimal("0.00")
    assert detail["agent"] == "alice"
    assert [(i["step_no"], i["planned"]) for i in detail["interventions"]] == [(1, d("2026-03-02"))]


def test_an_entry_belongs_to_one_open_dossier(db: TestDB) -> None:
    seed(db)
    open_one(db)
    with db.ctx() as ctx, pytest.raises(UserError, match="CDUPONT"):
        open_dossier(ctx, "CDUPONT", BUILTIN_NAME)


def test_unknown_customer_scenario_and_agent_are_named(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        with pytest.raises(NotFound, match="'NOPE'"):
            open_dossier(ctx, "NOPE", BUILTIN_NAME)
        with pytest.raises(NotFound, match="'Imaginary'"):
            open_dossier(ctx, "CDUPONT", "Imaginary")
        with pytest.raises(NotFound, match="'zoe'"):
            open_dossier(ctx, "CDUPONT", BUILTIN_NAME, agent="zoe")
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Dossier)).one() == 0


def test_pause_holds_the_scenario_and_resume_brings_it_back(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        pause(ctx, number, d("2026-03-13"), "Promesse de règlement", Decimal("500.00"))
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.planned == d("2026-03-16")  # 14th is a Saturday
        mark_done(ctx, todo.id)  # type: ignore[arg-type]
        nxt = current_todo(ctx.session, 1)
        assert nxt is not None and nxt.step_no == 2 and nxt.planned == d("2026-03-16")
    with db.ctx("2026-03-05") as ctx:
        resume(ctx, number)
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.planned == d("2026-03-05")
        assert ctx.session.get(Dossier, 1).status == "open"  # type: ignore[union-attr]


def test_lapsed_pause_ends_on_the_daily_pass(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        pause(ctx, number, d("2026-03-06"), "Litige")
    with db.ctx("2026-03-09") as ctx:
        report = run_daily(ctx)
    assert report.resumed == [number]
    with db.ctx("2026-03-09") as ctx:
        assert run_daily(ctx).resumed == []


def test_move_to_step_and_to_another_scenario(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx("2026-03-04") as ctx:
        move_to_step(ctx, number, 5)
        todo = current_todo(ctx.session, 1)
        assert todo is not None and (todo.step_no, todo.planned) == (5, d("2026-03-09"))
        move_to_step(ctx, number, 5)  # the same move again changes nothing
        skipped = ctx.session.exec(
            select(Intervention).where(Intervention.status == "skipped")
        ).all()
        assert len(skipped) == 1 and "5" in skipped[0].outcome
        with pytest.raises(UserError, match="from 1 to 10"):
            move_to_step(ctx, number, 11)
        items = forecast(ctx, ctx.session.get(Dossier, 1))  # type: ignore[arg-type]
        assert [i.step_no for i in items] == [6, 7, 8, 9, 10]
        assert all(ctx.calendar.is_working_day(i.planned) for i in items)


def test_manual_interventions_do_not_move_the_scenario(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        manual = add_manual(ctx, number, "visit", d("2026-03-04"), "Passer au siège")
        mark_done(ctx, manual.id)  # type: ignore[arg-type]
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.step_no == 1
        with pytest.raises(UserError, match="'fax'"):
            add_manual(ctx, number, "fax")
        moved = reschedule(ctx, todo.id, d("2026-03-07"))  # type: ignore[arg-type]
        assert moved.planned == d("2026-03-09")


def test_repeating_done_changes_nothing_and_future_dates_are_refused(db: TestDB) -> None:
    seed(db)
    open_one(db)
    with db.ctx() as ctx:
        todo = current_todo(ctx.session, 1)
        assert todo is not None
        with pytest.raises(UserError, match="2026-03-03"):
            mark_done(ctx, todo.id, d("2026-03-03"))  # type: ignore[arg-type]
    with db.ctx() as ctx:
        mark_done(ctx, 1)
    with db.session() as session:
        before = session.exec(select(func.count()).select_from(Intervention)).one()
    with db.ctx() as ctx:
        # Done again is refused (its note would be dropped), and so is skipping it.
        with pytest.raises(UserError, match=r"already done \(on 2026-03-02 by boss\)"):
            mark_done(ctx, 1, note="again")
        with pytest.raises(UserError, match="already done"):
            mark_skipped(ctx, 1)
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Intervention)).one() == before


def test_settled_dossier_closes_and_reopens_when_unlettered(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        customer_id = ctx.session.exec(select(Dossier.customer_id)).one()
        entries = ctx.session.exec(select(Entry).where(Entry.invoice.in_(["F1", "AV1"]))).all()  # type: ignore[attr-defined]
        payment = Entry(
            customer_id=customer_id,
            journal="BQ",
            date=d("2026-03-02"),
            account="411000",
            credit=Decimal("1150.00"),
            kind="payment",
            source="manual",
            source_key="pay1",
            lettering="AB",
            open_amount=Decimal("-1150.00"),
        )
        ctx.session.add(payment)
        for entry in entries:
            entry.lettering = "AB"
        ctx.session.flush()
        refresh_open_amounts(ctx.session, customer_id)
    with db.ctx("2026-03-03") as ctx:
        report = run_daily(ctx)
    assert report.closed == [number]
    with db.session() as session:
        detail = dossier_detail(session, number)
    assert detail["status"] == "closed"
    assert [i["status"] for i in detail["interventions"]] == ["skipped"]
    assert "settled" in detail["interventions"][0]["outcome"]
    with db.ctx("2026-03-03") as ctx:
        assert run_daily(ctx).closed == []
    with db.ctx("2026-03-04") as ctx:
        payment = ctx.session.exec(select(Entry).where(Entry.source_key == "pay1")).one()
        payment.lettering = None
        ctx.session.flush()
        refresh_open_amounts(ctx.session, payment.customer_id)
        report = run_daily(ctx)
    assert report.reopened == [number]
    with db.session() as session:
        detail = dossier_detail(session, number)
    assert detail["status"] == "open"
    assert detail["interventions"][-1]["status"] == "todo"
    assert detail["interventions"][-1]["step_no"] == 1


def test_second_save_from_a_stale_copy_is_refused_first_kept(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.session() as session:
        seen = dossier_detail(session, number)["version"]
    with db.ctx() as first:
        update_dossier(first, number, seen, reason="Client injoignable")
    with db.ctx() as second, pytest.raises(Conflict, match=number):
        update_dossier(second, number, seen, reason="Litige qualité")
    with db.session() as session:
        assert dossier_detail(session, number)["reason"] == "Client injoignable"


def test_history_records_who_what_before_after(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx(login="alice") as ctx:
        update_dossier(ctx, number, reason="Client injoignable")
    with db.session() as session:
        rows = session.exec(
            select(History).where(History.table_name == "dossier", History.action == "update")
        ).all()
    changed = [r for r in rows if r.after and "reason" in r.after]
    assert changed and changed[-1].login == "alice"
    assert json.loads(changed[-1].before)["reason"] == "Retard"  # type: ignore[arg-type]
    assert json.loads(changed[-1].after)["reason"] == "Client injoignable"  # type: ignore[arg-type]


def test_roles(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx(login="audrey") as ctx, pytest.raises(Forbidden, match="audrey"):
        update_dossier(ctx, number, reason="x")
    with db.ctx(login="bob") as ctx, pytest.raises(Forbidden, match="alice"):
        mark_done(ctx, 1)
    with db.ctx(login="alice") as ctx:
        mark_done(ctx, 1)
    with pytest.raises(Forbidden, match="'mallory'"), db.ctx(login="mallory"):
        pass


def test_a_pause_never_pulls_a_step_forward(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        mark_done(ctx, 1)
        mark_done(ctx, 2)  # step 3 planned 03-09
        pause(ctx, number, d("2026-03-03"), "Promesse")
        todo = current_todo(ctx.session, 1)
        assert todo is not None and (todo.step_no, todo.planned, todo.held_from) == (
            3,
            d("2026-03-09"),
            None,
        )
    with db.ctx("2026-03-04") as ctx:
        assert run_daily(ctx).resumed == [number]
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.planned == d("2026-03-09")


def test_a_held_step_goes_back_to_its_own_date_when_the_pause_shrinks(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        mark_done(ctx, 1)
        mark_done(ctx, 2)  # step 3 planned 03-09
        pause(ctx, number, d("2026-03-20"), "Litige")
        todo = current_todo(ctx.session, 1)
        assert todo is not None and (todo.planned, todo.held_from) == (
            d("2026-03-23"),
            d("2026-03-09"),
        )
        pause(ctx, number, d("2026-03-04"), "Litige réglé plus tôt")
        todo = current_todo(ctx.session, 1)
        assert todo is not None and (todo.planned, todo.held_from) == (d("2026-03-09"), None)


def test_no_scenario_step_is_rescheduled_into_a_pause(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        pause(ctx, number, d("2026-03-20"), "Promesse")
        with pytest.raises(UserError, match="2026-03-23"):
            reschedule(ctx, 1, d("2026-03-05"))
        manual = add_manual(ctx, number, "phone", d("2026-03-05"), "Rappeler le comptable")
        assert reschedule(ctx, manual.id, d("2026-03-06")).planned == d("2026-03-06")  # type: ignore[arg-type]


def test_step_move_dates_are_checked(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        with pytest.raises(UserError, match="2031-01-01"):
            move_to_step(ctx, number, 3, d("2031-01-01"))
        with pytest.raises(UserError, match="2026-02-01"):
            move_to_step(ctx, number, 3, d("2026-02-01"))


def test_the_same_manual_intervention_is_not_added_twice(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        first = add_manual(ctx, number, "visit", d("2026-03-04"), "Passer au siège")
        again = add_manual(ctx, number, "visit", d("2026-03-04"), "Passer au siège")
        other = add_manual(ctx, number, "visit", d("2026-03-05"), "Passer au siège")
        assert first.id == again.id != other.id
        with pytest.raises(UserError, match="-5"):
            add_manual(ctx, number, "phone", promise_amount=Decimal("-5"))
        with pytest.raises(UserError, match="2026-01-01"):
            add_manual(ctx, number, "phone", d("2026-01-01"))


def test_the_same_edit_again_writes_nothing(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        update_dossier(ctx, number, reason="Client injoignable")
    with db.session() as session:
        version = dossier_detail(session, number)["version"]
        rows = session.exec(select(func.count()).select_from(History)).one()
    with db.ctx() as ctx:
        update_dossier(ctx, number, reason="Client injoignable", agent="alice")
    with db.session() as session:
        assert dossier_detail(session, number)["version"] == version
        assert session.exec(select(func.count()).select_from(History)).one() == rows


def test_worklist_shows_why_a_step_waits(db: TestDB) -> None:
    seed(db)
    number = open_one(db)
    with db.ctx() as ctx:
        pause(ctx, number, d("2026-03-13"), "Promesse de règlement")
        from engine.reads.views import action_rows

        (row,) = action_rows(ctx.session)
    assert (row["dossier_status"], row["pause_until"], row["pause_reason"]) == (
        "paused",
        d("2026-03-13"),
        "Promesse de règlement",
    )
    assert (row["planned"], row["held_from"]) == (d("2026-03-16"), d("2026-03-02"))


def test_partial_payment_lowers_principal_and_the_next_penalty(db: TestDB) -> None:
    with db.ctx() as ctx:
        customer = add_customer(ctx.session)
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "1200.00",
            due="2026-02-01",
            invoice="F1",
            lettering="AA",
        )
        other = add_customer(ctx.session, "CAUTRE", "Autre SA")
        # The same code on another customer's account has nothing to do with CDUPONT's AA.
        add_entry(ctx.session, other, "payment", "2026-02-10", "999.00", lettering="AA")
        number = open_dossier(ctx, "CDUPONT", BUILTIN_NAME, start=d("2026-03-02")).number
        move_to_step(ctx, number, 7, d("2026-03-02"))
    with db.ctx("2026-03-20") as ctx:
        customer = find_customer(ctx.session, "CDUPONT")
        add_entry(ctx.session, customer, "payment", "2026-03-20", "200.00", lettering="AA")
        run_daily(ctx)
    with db.ctx("2026-03-20") as ctx:
        detail = dossier_detail(ctx.session, number)
        assert detail["principal"] == Decimal("1000.00")  # the payment is not in the dossier
        mark_done(ctx, 2)  # LRAR on 03-20 (planned 03-09), at the dated ECB+10 rates
        penalty = ctx.session.exec(select(Entry).where(Entry.kind == "penalty")).one()
    # 1,000.00 × 12.15 % × 47 days (2026-02-01 → 2026-03-20) / 365 = 15.645… → 15.65
    assert penalty.debit == Decimal("15.65")
    with db.session() as session:
        assert dossier_detail(session, number)["provision"] == Decimal("200.00")
