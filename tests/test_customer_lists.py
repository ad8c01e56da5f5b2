"""Customer windows (filtered and sorted in SQL), the customer detail and what a new dossier
would take, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.access import Actor, add_user
from engine.dossiers import open_dossier, pause
from engine.errors import NotFound
from engine.reads.customer_list import (
    CustomerFilter,
    agent_choices,
    collectible_preview,
    customer_count,
    customer_detail,
    customer_window,
    preview_totals,
)
from engine.scenarios import BUILTIN_NAME
from models.tables import Contact
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

TODAY = dt.date(2026, 3, 2)


def seed(db: TestDB) -> None:
    """CDUPONT: a part-paid overdue invoice, an open credit note, an invoice not due yet.
    CMARTIN: one overdue invoice, in a paused dossier. CPAYÉ: everything settled, risky.
    CLATER: owes, but nothing is due yet."""
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        dupont = add_customer(s, "CDUPONT", "Dupont Frères", address="1 rue Haute, Lyon")
        add_entry(s, dupont, "invoice", "2026-01-02", "1000.00", due="2026-02-01", lettering="AA")
        add_entry(s, dupont, "payment", "2026-02-10", "400.00", lettering="AA")
        add_entry(s, dupont, "credit_note", "2026-02-12", "100.00")
        add_entry(s, dupont, "invoice", "2026-02-18", "300.00", due="2026-03-20")
        s.add(Contact(customer_id=dupont.id, name="Jeanne Dupont", role="Comptable"))  # type: ignore[arg-type]
        martin = add_customer(s, "CMARTIN", "Martin & Fils", phone="04 00 00 00 00")
        add_entry(s, martin, "invoice", "2025-12-01", "5000.00", due="2026-02-20")
        paid = add_customer(s, "CPAYÉ", "Payé SA", risk_code="Insolvable")
        add_entry(s, paid, "invoice", "2025-12-01", "700.00", due="2026-01-01", lettering="AB")
        add_entry(s, paid, "payment", "2026-01-05", "700.00", lettering="AB")
        later = add_customer(s, "CLATER", "Later Ltd", risk_code="Normal")
        add_entry(s, later, "invoice", "2026-02-25", "250.00", due="2026-04-01")
        add_user(s, None, "alice", "agent", "Alice Martin")
        add_user(s, None, "audrey", "auditor", "Audrey")
        add_user(s, None, "gone", "agent", "Gone", active=False)
        open_dossier(ctx, "CMARTIN", BUILTIN_NAME, agent="alice")
        pause(ctx, "D000001", d("2026-03-20"), "Promesse")


def window(db: TestDB, flt: CustomerFilter, offset: int = 0, limit: int = 50) -> list[dict]:
    with db.session() as session:
        return customer_window(session, flt, offset, limit, TODAY)


def codes(rows: list[dict]) -> list[str]:
    return [r["code"] for r in rows]


def test_window_rows_hold_the_amounts_risk_and_open_dossier(db: TestDB) -> None:
    seed(db)
    rows = {r["code"]: r for r in window(db, CustomerFilter())}
    assert rows["CDUPONT"] == {
        "code": "CDUPONT",
        "name": "Dupont Frères",
        "outstanding": Decimal("800.00"),  # 600 left on the invoice - 100 credit + 300 not due
        "overdue": Decimal("600.00"),
        "risk": None,
        "open_dossier": None,
    }
    assert rows["CMARTIN"]["overdue"] == Decimal("5000.00")
    assert rows["CMARTIN"]["open_dossier"] == "D000001"  # paused counts as open
    assert (rows["CPAYÉ"]["outstanding"], rows["CPAYÉ"]["risk"]) == (Decimal("0.00"), "Insolvable")
    assert (rows["CLATER"]["outstanding"], rows["CLATER"]["overdue"]) == (
        Decimal("250.00"),
        Decimal("0.00"),
    )
    # the whole list (the command line's) sums by grouped passes: the same rows
    for flt in (CustomerFilter(), CustomerFilter(sort="overdue", descending=True)):
        with db.session() as session:
            whole = customer_window(session, flt, 0, None, TODAY)
        assert whole == window(db, flt)


def test_window_sorts_pages_and_filters_in_sql(db: TestDB) -> None:
    seed(db)
    everything = CustomerFilter()
    with db.session() as session:
        assert customer_count(session, everything, TODAY) == 4
    assert codes(window(db, everything)) == ["CDUPONT", "CLATER", "CMARTIN", "CPAYÉ"]
    assert codes(window(db, everything, offset=1, limit=2)) == ["CLATER", "CMARTIN"]
    by_outstanding = CustomerFilter(sort="outstanding", descending=True)
    assert codes(window(db, by_outstanding)) == ["CMARTIN", "CDUPONT", "CLATER", "CPAYÉ"]
    assert codes(window(db, by_outstanding, offset=3)) == ["CPAYÉ"]
    by_overdue = CustomerFilter(sort="overdue")  # ties in code order
    assert codes(window(db, by_overdue)) == ["CLATER", "CPAYÉ", "CDUPONT", "CMARTIN"]
    by_risk = CustomerFilter(sort="risk", descending=True)
    assert codes(window(db, by_risk)) == ["CLATER", "CPAYÉ", "CDUPONT", "CMARTIN"]
    assert codes(window(db, CustomerFilter(sort="name"))) == [
        "CDUPONT",
        "CLATER",
        "CMARTIN",
        "CPAYÉ",
    ]
    # text: code or name, any case
    assert codes(window(db, CustomerFilter(text="mart"))) == ["CMARTIN"]
    # case and accents ignored, alike on both backends
    for typed in ("FRÈRES", "frères", "freres", "FRERES", "fre\u0300res"):
        assert codes(window(db, CustomerFilter(text=typed))) == ["CDUPONT"], typed
    assert codes(window(db, CustomerFilter(text="paye sa"))) == ["CPAYÉ"]
    assert codes(window(db, CustomerFilter(text="cpaye"))) == ["CPAYÉ"]  # the code too
    assert codes(window(db, CustomerFilter(text="%"))) == []
    assert codes(window(db, CustomerFilter(text="_"))) == []
    by_overdue_text = CustomerFilter(text="É", sort="overdue", descending=True)
    assert codes(window(db, by_overdue_text)) == ["CDUPONT", "CLATER", "CPAYÉ"]
    assert codes(window(db, CustomerFilter(text="later", sort="outstanding"))) == ["CLATER"]
    # only customers with something overdue, whatever the sort
    overdue = CustomerFilter(only_overdue=True)
    with db.session() as session:
        assert customer_count(session, overdue, TODAY) == 2
        assert customer_count(session, CustomerFilter(text="zz"), TODAY) == 0
    assert codes(window(db, overdue)) == ["CDUPONT", "CMARTIN"]
    for sort in ("outstanding", "overdue"):
        flt = CustomerFilter(only_overdue=True, sort=sort, descending=True)
        assert codes(window(db, flt)) == ["CMARTIN", "CDUPONT"]
    assert codes(window(db, CustomerFilter(only_overdue=True, text="dup", sort="overdue"))) == [
        "CDUPONT"
    ]


def test_customer_detail(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        detail = customer_detail(session, "CDUPONT", TODAY)
        martin = customer_detail(session, "CMARTIN", TODAY)
        with pytest.raises(NotFound, match="CNOBODY"):
            customer_detail(session, "CNOBODY", TODAY)
    assert detail["address"] == "1 rue Haute, Lyon"
    assert (detail["payment_terms_days"], detail["consumer"]) == (30, False)
    assert (detail["outstanding"], detail["overdue"]) == (Decimal("800.00"), Decimal("600.00"))
    # open entries only (the payment is fully used by the invoice), oldest due first
    assert [(e["kind"], e["open_amount"], e["days_late"]) for e in detail["open_entries"]] == [
        ("invoice", Decimal("600.00"), 29),
        ("credit_note", Decimal("-100.00"), None),
        ("invoice", Decimal("300.00"), 0),
    ]
    assert detail["open_entries"][0]["due_date"] == d("2026-02-01")
    assert [(c["name"], c["role"]) for c in detail["contacts"]] == [("Jeanne Dupont", "Comptable")]
    assert detail["dossiers"] == []
    assert martin["phone"] == "04 00 00 00 00"
    assert martin["dossiers"] == [
        {
            "number": "D000001",
            "status": "paused",
            "created": TODAY,
            "agent": "alice",
            "balance": Decimal("5000.00"),
        }
    ]


def test_collectible_preview_is_what_open_dossier_takes(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        preview = collectible_preview(session, " CDUPONT ", TODAY)
        assert collectible_preview(session, "CMARTIN", TODAY) == []  # all in its dossier
        assert collectible_preview(session, "CLATER", TODAY) == []
        later = collectible_preview(session, "CLATER", d("2026-04-02"))
        assert [(e["kind"], e["days_late"]) for e in later] == [("invoice", 1)]
    assert [(e["kind"], e["open_amount"]) for e in preview] == [
        ("invoice", Decimal("600.00")),
        ("credit_note", Decimal("-100.00")),
    ]
    assert preview_totals(preview) == {"total": Decimal("500.00"), "opens": True}
    assert preview_totals(preview[1:]) == {"total": Decimal("-100.00"), "opens": False}
    assert preview_totals([]) == {"total": Decimal("0.00"), "opens": False}
    with db.ctx(TODAY) as ctx:
        dossier = open_dossier(ctx, "CDUPONT", BUILTIN_NAME)
        taken_principal = dossier.principal
    assert taken_principal == sum((e["open_amount"] for e in preview), Decimal("0.00"))


def test_agent_choices(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        manager = agent_choices(session, Actor("boss", "manager"))
        agent = agent_choices(session, Actor("alice", "agent"))
        stranger = agent_choices(session, Actor("visitor", "agent"))  # open access
        auditor = agent_choices(session, Actor("audrey", "auditor"))
    assert [u["login"] for u in manager] == ["alice", "boss"]
    assert [u["login"] for u in agent] == ["alice"]
    assert stranger == [] and auditor == []
