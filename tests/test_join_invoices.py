"""Invoices that fall due while a dossier is open (docs/RULES.md): the daily pass adds them
to the customer's open dossier, says so in the history, refreshes the dossier's totals, and
adds nothing the second time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from engine.daily import run_daily
from engine.dossiers import find_dossier, open_dossier
from engine.reads.dossier_page import history_window
from engine.scenarios import BUILTIN_NAME
from engine.settings import set_setting
from models.tables import Customer, DossierEntry, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry

OPENED = "2026-03-02"


def setup(db: TestDB) -> str:
    """A dossier opened on 2 March with F-1; F-2 falls due on 10 March, F-3 (not due
    before April), F-4 excluded, another customer's F-9 — none of them in it."""
    with db.ctx(OPENED) as ctx:
        customer = add_customer(ctx.session, "CDUPONT", "Dupont Frères")
        other = add_customer(ctx.session, "CAUTRE", "Autre SA")
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-01",
            "1000.00",
            due="2026-01-31",
            invoice="F-1",
        )
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-02-08",
            "250.00",
            due="2026-03-10",
            invoice="F-2",
        )
        add_entry(
            ctx.session, customer, "invoice", "2026-03-01", "80.00", due="2026-04-01", invoice="F-3"
        )
        excluded = add_entry(
            ctx.session, customer, "invoice", "2026-02-08", "70.00", due="2026-03-05", invoice="F-4"
        )
        excluded.excluded = True
        add_entry(
            ctx.session, other, "invoice", "2026-01-01", "500.00", due="2026-03-05", invoice="F-9"
        )
        return open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number


def invoices_of(db: TestDB, number: str) -> list[str]:
    with db.session() as session:
        dossier = find_dossier(session, number)
        return list(
            session.exec(
                select(Entry.invoice)
                .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
                .where(DossierEntry.dossier_id == dossier.id)
                .order_by(col(Entry.invoice))
            )
        )


def test_an_invoice_falling_due_joins_the_open_dossier_once(db: TestDB) -> None:
    number = setup(db)
    assert invoices_of(db, number) == ["F-1"]
    with db.ctx("2026-03-10") as ctx:  # F-2 is due on the 10th: not yet overdue
        assert run_daily(ctx).joined == []
    with db.ctx("2026-03-11") as ctx:
        report = run_daily(ctx)
    assert [(j["dossier"], j["piece"]) for j in report.joined] == [(number, "F-2")]
    assert invoices_of(db, number) == ["F-1", "F-2"]  # not F-3 (not due), F-4 (excluded)
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.principal == Decimal("1250.00")
        assert dossier.oldest_due == dt.date(2026, 1, 31)
        rows = history_window(session, number, 0, 50)
        joined = [row for row in rows if row["action"] == "join"]
        assert len(joined) == 1 and joined[0]["table"] == "dossier_entry"
        assert ("entry_id", None, "F-2") in joined[0]["changes"]
        # The pass keeps a snapshot of the aged balance a day (its own history rows).
        joins = select(History.id).where(History.table_name != "aging_snapshot")
        history = session.exec(joins).all()
    # Again: nothing joined, nothing written but the new day's snapshot.
    with db.ctx("2026-03-11") as ctx:
        assert run_daily(ctx).joined == []
    with db.ctx("2026-03-12") as ctx:
        assert run_daily(ctx).joined == []
    assert invoices_of(db, number) == ["F-1", "F-2"]
    with db.session() as session:
        assert len(session.exec(joins).all()) == len(history)


def test_setting_off_joins_nothing(db: TestDB) -> None:
    number = setup(db)
    with db.ctx("2026-03-11") as ctx:
        set_setting(ctx.session, "join_new_invoices", "false", ctx.actor)
    with db.ctx("2026-03-11") as ctx:
        assert run_daily(ctx).joined == []
    assert invoices_of(db, number) == ["F-1"]


def test_excluded_invoice_and_invoices_of_other_customers_do_not_join(db: TestDB) -> None:
    number = setup(db)
    with db.ctx("2026-04-15") as ctx:
        report = run_daily(ctx)
    assert sorted(j["piece"] for j in report.joined) == ["F-2", "F-3"]
    assert invoices_of(db, number) == ["F-1", "F-2", "F-3"]
    with db.session() as session:
        # F-9's customer has no dossier: F-9 stays where it was.
        assert (
            session.exec(
                select(DossierEntry)
                .join(Entry, col(Entry.id) == col(DossierEntry.entry_id))
                .where(Entry.invoice == "F-9")
            ).first()
            is None
        )


def test_the_newest_of_several_open_dossiers_takes_it(db: TestDB) -> None:
    setup(db)
    with db.ctx("2026-03-20") as ctx:
        customer = ctx.session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
        add_entry(
            ctx.session, customer, "invoice", "2026-02-01", "40.00", due="2026-03-03", invoice="F-5"
        )
        # F-2 and F-5, overdue by now, opened into a second dossier by hand.
        second = open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number
    assert invoices_of(db, second) == ["F-2", "F-5"]
    with db.ctx("2026-03-20") as ctx:
        customer = ctx.session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
        add_entry(
            ctx.session, customer, "invoice", "2026-02-20", "60.00", due="2026-03-15", invoice="F-6"
        )
        report = run_daily(ctx)
    assert [(j["dossier"], j["piece"]) for j in report.joined] == [(second, "F-6")]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(days=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=4))
def test_never_twice_whatever_days_the_pass_runs(sqlite_db: TestDB, days: list[int]) -> None:
    """However often and on whichever days the pass runs, an invoice is in at most one open
    dossier and the join adds each at most once."""
    number = setup_once(sqlite_db)
    for offset in sorted(days):
        with sqlite_db.ctx(dt.date(2026, 3, 2) + dt.timedelta(days=offset)) as ctx:
            run_daily(ctx)
    invoices = invoices_of(sqlite_db, number)
    assert len(invoices) == len(set(invoices))
    assert "F-4" not in invoices


_SET_UP: dict[str, str] = {}


def setup_once(db: TestDB) -> str:
    if db.url not in _SET_UP:
        _SET_UP[db.url] = setup(db)
    return _SET_UP[db.url]
