"""The seed scenario walked step by step: the dates of docs/RULES.md and the figures of §5."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from engine.dossiers import open_dossier
from engine.interventions import mark_done
from engine.planning import current_todo
from engine.reads.views import dossier_detail
from engine.scenarios import BUILTIN_NAME
from engine.settings import set_setting
from models.tables import Customer, Entry
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

# (step, planned, done on): Saturday 03-07 → Monday 03-09; 04-05 Sunday and 04-06 Easter
# Monday → Tuesday 04-07.
WALK = [
    (1, "2026-03-02", "2026-03-02"),
    (2, "2026-03-02", "2026-03-02"),
    (3, "2026-03-09", "2026-03-09"),
    (4, "2026-03-12", "2026-03-12"),
    (5, "2026-03-17", "2026-03-17"),
    (6, "2026-03-20", "2026-03-20"),
    (7, "2026-03-27", "2026-03-27"),
    (8, "2026-03-30", "2026-03-30"),
    (9, "2026-03-30", "2026-04-03"),
    (10, "2026-04-07", "2026-04-07"),
]


def seed(db: TestDB) -> str:
    with db.ctx("2026-03-02") as ctx:
        set_setting(ctx.session, "penalty_rate", "12.15", ctx.actor)
        customer = add_customer(ctx.session)
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "1200.00",
            due="2026-02-01",
            invoice="F2026-001",
        )
    with db.ctx("2026-03-02") as ctx:
        return open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number


def charges_of(db: TestDB, kind: str) -> list[Decimal]:
    with db.session() as session:
        return [
            e.debit
            for e in session.exec(select(Entry).where(Entry.kind == kind).order_by(Entry.id))
        ]


def test_seed_scenario_dates_and_figures(db: TestDB) -> None:
    number = seed(db)
    for step_no, planned, done_on in WALK:
        with db.ctx(done_on) as ctx:
            todo = current_todo(ctx.session, 1)
            assert todo is not None
            assert (todo.step_no, todo.planned) == (step_no, d(planned))
            mark_done(ctx, todo.id, d(done_on))  # type: ignore[arg-type]
        if step_no == 7:
            with db.session() as session:
                detail = dossier_detail(session, number)
            assert charges_of(db, "penalty") == [Decimal("21.57")]
            assert charges_of(db, "indemnity") == [Decimal("40.00")]
            assert charges_of(db, "fee") == [Decimal("30.00")]
            assert detail["provision"] == Decimal("240.00")
            assert detail["customer_risk"] == "Insolvable"
    with db.ctx("2026-04-07") as ctx:
        detail = dossier_detail(ctx.session, number)
        assert current_todo(ctx.session, 1) is None
    assert charges_of(db, "penalty") == [Decimal("21.57"), Decimal("4.39")]
    assert charges_of(db, "indemnity") == [Decimal("40.00")]  # once per invoice
    assert charges_of(db, "fee") == [Decimal("30.00")]
    assert detail["provision"] == Decimal("720.00")
    assert detail["principal"] == Decimal("1200.00")
    assert detail["charges"] == Decimal("95.96")
    assert detail["balance"] == detail["principal"] + detail["charges"]
    assert detail["scenario_ended"] is True
    assert detail["status"] == "open"
    assert [i["status"] for i in detail["interventions"]] == ["done"] * 10


def test_skip_applies_no_effect_and_plans_next(db: TestDB) -> None:
    seed(db)
    for _step in range(6):
        with db.ctx("2026-03-27") as ctx:
            todo = current_todo(ctx.session, 1)
            assert todo is not None
            mark_done(ctx, todo.id, d("2026-03-02"))  # type: ignore[arg-type]
    from engine.interventions import mark_skipped

    with db.ctx("2026-03-27") as ctx:
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.step_no == 7
        mark_skipped(ctx, todo.id, d("2026-03-27"))  # type: ignore[arg-type]
        nxt = current_todo(ctx.session, 1)
        assert nxt is not None and (nxt.step_no, nxt.planned) == (8, d("2026-03-30"))
    assert charges_of(db, "penalty") == []
    assert charges_of(db, "fee") == []
    with db.session() as session:
        assert session.exec(select(Customer.risk_code)).one() is None


def test_consumer_pays_no_indemnity(db: TestDB) -> None:
    with db.ctx("2026-03-27") as ctx:
        set_setting(ctx.session, "penalty_rate", "12.15", ctx.actor)
        customer = add_customer(ctx.session, "CMARTIN", "Mme Martin", consumer=True)
        add_entry(ctx.session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01")
    with db.ctx("2026-03-27") as ctx:
        open_dossier(ctx, "CMARTIN", BUILTIN_NAME, start=d("2026-03-02"))
        from engine.dossiers import move_to_step

        move_to_step(ctx, "D000001", 7, d("2026-03-20"))
        todo = current_todo(ctx.session, 1)
        assert todo is not None and todo.planned == d("2026-03-27")
        mark_done(ctx, todo.id)  # type: ignore[arg-type]
    assert charges_of(db, "penalty") == [Decimal("21.57")]
    assert charges_of(db, "indemnity") == []
