"""Preventive reminders (docs/RULES.md): the proposal of a day at the window's edges, the
exclusions, the open amount on the day, never twice, the reminder count; both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from engine.context import Ctx
from engine.customers import exclude_entry
from engine.errors import Conflict, UserError
from engine.reminders import proposals, record_sent, send, set_reminder_count
from engine.settings import set_setting
from models.tables import Contact, Document, Entry, EntryReminder
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

T = d("2026-03-02")  # N = 10 (the default): due dates 2026-03-02 .. 2026-03-12


def proposed(db: TestDB, today: dt.date = T) -> dict[str, list[tuple[str, Decimal]]]:
    """Customer code → [(invoice, open amount)] as proposed on ``today``."""
    with db.ctx(today) as ctx:
        return {
            g["customer"]: [(e["invoice"], e["open_amount"]) for e in g["entries"]]
            for g in proposals(ctx)
        }


def reminder_rows(db: TestDB) -> list[tuple[int, str, dt.date, int | None]]:
    with db.session() as session:
        return [
            (r.entry_id, r.channel, r.day, r.document_id)
            for r in session.exec(select(EntryReminder).order_by(col(EntryReminder.entry_id)))
        ]


def counts(db: TestDB) -> dict[int, int]:
    with db.session() as session:
        return {e.id: e.reminder_count for e in session.exec(select(Entry)) if e.id}


def test_the_window_is_today_to_today_plus_n(db: TestDB) -> None:
    with db.ctx(T) as ctx:
        c = add_customer(ctx.session, "C1", "Dupont")
        for name, due in [
            ("F-T-1", "2026-03-01"),
            ("F-T", "2026-03-02"),
            ("F-T+N", "2026-03-12"),
            ("F-T+N+1", "2026-03-13"),
        ]:
            add_entry(ctx.session, c, "invoice", "2026-02-01", "100.00", due=due, invoice=name)
    assert proposed(db) == {"C1": [("F-T", Decimal("100.00")), ("F-T+N", Decimal("100.00"))]}
    with db.ctx(T) as ctx:
        set_setting(ctx.session, "reminder_period_days", "11", None)
    assert [i for i, _a in proposed(db)["C1"]] == ["F-T", "F-T+N", "F-T+N+1"]
    with db.ctx(T) as ctx:
        set_setting(ctx.session, "reminder_period_days", "0", None)
    assert proposed(db) == {}  # off


def test_exclusions_paid_credits_and_future_entries_are_not_proposed(db: TestDB) -> None:
    with db.ctx(T) as ctx:
        s = ctx.session
        c = add_customer(s, "C1", "Dupont")
        off = add_customer(s, "C2", "Exclu", excluded_from_reminders=True)
        add_entry(s, off, "invoice", "2026-02-01", "50.00", due="2026-03-05", invoice="F-OFF")
        disputed = add_entry(
            s, c, "invoice", "2026-02-01", "60.00", due="2026-03-05", invoice="F-X"
        )
        add_entry(s, c, "credit_note", "2026-02-01", "70.00", due="2026-03-05", invoice="AV-1")
        add_entry(
            s,
            c,
            "invoice",
            "2026-02-01",
            "80.00",
            due="2026-03-05",
            invoice="F-PAID",
            lettering="P",
        )
        add_entry(s, c, "payment", "2026-02-20", "80.00", lettering="P")
        add_entry(
            s,
            c,
            "invoice",
            "2026-02-01",
            "1000.00",
            due="2026-03-06",
            invoice="F-PART",
            lettering="Q",
        )
        add_entry(s, c, "payment", "2026-02-20", "400.00", lettering="Q")
        add_entry(s, c, "invoice", "2026-03-05", "90.00", due="2026-03-07", invoice="F-LATER")
        disputed_id = disputed.id
        assert disputed_id is not None
    with db.ctx(T) as ctx:
        exclude_entry(ctx, disputed_id)
    assert proposed(db) == {"C1": [("F-PART", Decimal("600.00"))]}
    # On 2026-03-05 the invoice dated that day is there (due 03-07); on 03-04 it is not yet.
    assert ("F-LATER", Decimal("90.00")) in proposed(db, d("2026-03-05"))["C1"]


def test_a_payment_after_the_day_leaves_the_invoice_open_on_the_day(db: TestDB) -> None:
    with db.ctx(T) as ctx:
        c = add_customer(ctx.session, "C1", "Dupont")
        add_entry(
            ctx.session,
            c,
            "invoice",
            "2026-02-01",
            "300.00",
            due="2026-03-04",
            invoice="F1",
            lettering="A",
        )
        add_entry(ctx.session, c, "payment", "2026-03-03", "300.00", lettering="A")
    assert proposed(db) == {"C1": [("F1", Decimal("300.00"))]}  # on 03-02, paid on 03-03
    assert proposed(db, d("2026-03-03")) == {}


def test_one_group_per_customer_with_its_total(db: TestDB) -> None:
    with db.ctx(T) as ctx:
        a = add_customer(ctx.session, "CA", "A")
        b = add_customer(ctx.session, "CB", "B")
        add_entry(ctx.session, b, "invoice", "2026-02-01", "10.00", due="2026-03-03", invoice="B1")
        add_entry(ctx.session, a, "invoice", "2026-02-01", "20.00", due="2026-03-09", invoice="A2")
        add_entry(ctx.session, a, "invoice", "2026-02-01", "30.50", due="2026-03-04", invoice="A1")
    with db.ctx(T) as ctx:
        groups = proposals(ctx)
    assert [(g["customer"], g["total"], [e["invoice"] for e in g["entries"]]) for g in groups] == [
        ("CA", Decimal("50.50"), ["A1", "A2"]),
        ("CB", Decimal("10.00"), ["B1"]),
    ]
    assert groups[0]["entries"][0]["days_before_due"] == 2


def _two_invoices(db: TestDB) -> tuple[int, list[int]]:
    with db.ctx(T) as ctx:
        c = add_customer(ctx.session, "C1", "Dupont")
        ids = [
            add_entry(ctx.session, c, "invoice", "2026-02-01", "10.00", due=due).id
            for due in ("2026-03-03", "2026-03-04")
        ]
        assert c.id is not None
        return c.id, [i for i in ids if i is not None]


def test_sending_records_once_and_never_twice(db: TestDB) -> None:
    customer_id, ids = _two_invoices(db)
    with db.ctx(T) as ctx:
        done = record_sent(ctx, customer_id, ids[:1], "mark")
    assert done.recorded == ids[:1] and done.skipped == []
    assert [i for i, *_rest in reminder_rows(db)] == ids[:1]
    assert len(proposed(db)["C1"]) == 1
    with db.ctx(d("2026-03-03")) as ctx:
        again = record_sent(ctx, customer_id, ids, "print")
    assert again.recorded == ids[1:] and again.skipped == ids[:1]
    assert reminder_rows(db) == [
        (ids[0], "mark", T, None),
        (ids[1], "print", d("2026-03-03"), None),
    ]
    assert counts(db)[ids[0]] == 1 and counts(db)[ids[1]] == 1
    assert proposed(db) == {}


def test_recording_another_customers_entry_is_refused_and_writes_nothing(db: TestDB) -> None:
    customer_id, ids = _two_invoices(db)
    with db.ctx(T) as ctx:
        other = add_customer(ctx.session, "C2", "Autre")
        payment = add_entry(ctx.session, other, "payment", "2026-02-01", "5.00")
        assert other.id is not None and payment.id is not None
        other_id, payment_id = other.id, payment.id
    for customer, entries in [(other_id, ids), (customer_id, [ids[0], payment_id])]:
        with (
            pytest.raises(UserError, match="expected an invoice of the same customer"),
            db.ctx(T) as ctx,
        ):
            record_sent(ctx, customer, entries, "mark")
    with pytest.raises(UserError, match="Invalid channel 'fax'"), db.ctx(T) as ctx:
        record_sent(ctx, customer_id, ids, "fax")
    assert reminder_rows(db) == []
    assert set(counts(db).values()) == {0}


def test_reminder_count_edit(db: TestDB) -> None:
    _customer, ids = _two_invoices(db)
    with db.ctx(T) as ctx:
        entry = ctx.session.get(Entry, ids[0])
        assert entry is not None
        version = entry.version
        assert set_reminder_count(ctx, ids[0], "3", version) == 3
    assert counts(db)[ids[0]] == 3
    for bad in ("-1", "100", "x", "", "2.5"):
        with (
            pytest.raises(UserError, match="expected a whole number from 0 to 99"),
            db.ctx(T) as ctx,
        ):
            set_reminder_count(ctx, ids[0], bad, None)
    with pytest.raises(Conflict), db.ctx(T) as ctx:
        set_reminder_count(ctx, ids[0], "5", version)  # a stale copy
    with pytest.raises(UserError, match="Unknown entry 999999"), db.ctx(T) as ctx:
        set_reminder_count(ctx, 999999, "1", None)
    assert counts(db)[ids[0]] == 3
    with db.ctx(T) as ctx:
        assert set_reminder_count(ctx, ids[0], 0, None) == 0


def test_send_marks_every_proposal_once(db: TestDB) -> None:
    _customer, ids = _two_invoices(db)
    with db.ctx(T) as ctx:
        first = send(ctx, "mark")
    assert [(s.customer, s.recorded, s.skipped, s.missing) for s in first] == [
        ("C1", ids, [], None)
    ]
    with db.ctx(T) as ctx:
        assert send(ctx, "mark") == []  # nothing left to propose
    assert len(reminder_rows(db)) == 2


def test_print_and_email_need_a_producer_and_a_recipient(db: TestDB) -> None:
    _customer, ids = _two_invoices(db)
    with pytest.raises(ValueError, match="needs a producer"), db.ctx(T) as ctx:
        send(ctx, "print")
    with pytest.raises(UserError, match="Invalid channel 'both'"), db.ctx(T) as ctx:
        send(ctx, "both")
    made: list[tuple[int, list[int], str]] = []

    def produce(
        ctx: Ctx, customer_id: int, entry_ids: list[int], channel: str, out_dir: Path | None
    ) -> int:
        made.append((customer_id, entry_ids, channel))
        doc = Document(
            customer_id=customer_id,
            kind="reminder",
            template="reminder",
            language="fr",
            day=ctx.today,
            channel=channel,
            created_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
            created_by=ctx.actor.login,
            text="…",
        )
        ctx.session.add(doc)
        ctx.session.flush()
        assert doc.id is not None
        return doc.id

    with db.ctx(T) as ctx:
        result = send(ctx, "email", produce=produce)
    assert made == [] and result[0].missing and "e-mail" in result[0].missing
    assert reminder_rows(db) == []  # reported, not sent
    with db.ctx(T) as ctx:
        customer_id = result[0].customer_id
        ctx.session.add(
            Contact(customer_id=customer_id, name="Compta", address="1 rue X\n75001 Paris")
        )
    with db.ctx(T) as ctx:
        printed = send(ctx, "print", produce=produce)
    assert made == [(customer_id, ids, "print")] and printed[0].missing is None
    rows = reminder_rows(db)
    assert [(r[0], r[1]) for r in rows] == [(ids[0], "print"), (ids[1], "print")]
    assert rows[0][3] == printed[0].document_id is not None


def test_send_with_a_selection_records_only_the_ticked(db: TestDB) -> None:
    customer_id, ids = _two_invoices(db)
    with db.ctx(T) as ctx:
        result = send(ctx, "mark", selection={customer_id: [ids[1]]})
    assert [s.recorded for s in result] == [[ids[1]]]
    assert [r[0] for r in reminder_rows(db)] == [ids[1]]


# -- the rule as a property: the proposal is exactly the brute-force filter


invoice = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "kind": st.sampled_from(["invoice", "invoice", "invoice", "credit_note"]),
        "date": st.integers(-40, 5),  # days from T
        "due": st.integers(-3, 15),
        "amount": st.integers(1, 500),
        "paid": st.integers(0, 600),  # a lettered payment of this much (0: none)
        "paid_on": st.integers(-10, 5),
        "excluded": st.booleans(),
        "reminded": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(invoice, max_size=8),
    st.tuples(st.booleans(), st.booleans(), st.booleans()),
    st.integers(0, 12),
)
def test_proposal_is_exactly_the_rule(
    db: TestDB, items: list[dict[str, Any]], excluded: tuple[bool, bool, bool], period: int
) -> None:
    session = db.factory()
    try:
        ctx = Ctx.load(session, "boss", T)
        set_setting(session, "reminder_period_days", str(period), None)
        ctx = Ctx.load(session, "boss", T)
        customers = [
            add_customer(session, f"P{i}", f"Prop {i}", excluded_from_reminders=excluded[i])
            for i in range(3)
        ]
        expected: dict[int, Decimal] = {}
        for n, item in enumerate(items):
            day = T + dt.timedelta(days=item["date"])
            due = T + dt.timedelta(days=item["due"])
            customer = customers[item["customer"]]
            letter = f"L{n}" if item["paid"] else None
            entry = add_entry(
                session,
                customer,
                item["kind"],
                day.isoformat(),
                f"{item['amount']}.00",
                due=due.isoformat(),
                lettering=letter,
            )
            paid_on = T + dt.timedelta(days=item["paid_on"])
            if item["paid"]:
                add_entry(
                    session,
                    customer,
                    "payment",
                    paid_on.isoformat(),
                    f"{item['paid']}.00",
                    lettering=letter,
                )
            entry.excluded = item["excluded"]
            assert entry.id is not None and customer.id is not None
            if item["reminded"]:
                session.add(EntryReminder(entry_id=entry.id, day=T, channel="mark"))
            session.flush()
            # The rule, in plain Python.
            open_on_t = Decimal(item["amount"]) if day <= T else Decimal(0)
            if item["paid"] and paid_on <= T and day <= T:
                open_on_t = max(open_on_t - item["paid"], Decimal(0))
            if (
                item["kind"] == "invoice"
                and period > 0
                and T <= due <= T + dt.timedelta(days=period)
                and open_on_t > 0
                and not excluded[item["customer"]]
                and not item["excluded"]
                and not item["reminded"]
            ):
                expected[entry.id] = open_on_t
        got = {e["id"]: e["open_amount"] for g in proposals(ctx) for e in g["entries"]}
        assert got == expected
        # Sending twice never writes a second row.
        for group in proposals(ctx):
            ids = [e["id"] for e in group["entries"]]
            record_sent(ctx, group["customer_id"], ids, "mark")
            again = record_sent(ctx, group["customer_id"], ids, "mark")
            assert again.recorded == [] and again.skipped == ids
        rows = session.exec(select(EntryReminder.entry_id)).all()
        assert len(rows) == len(set(rows))
        assert proposals(ctx) == []
    finally:
        session.rollback()
        session.close()
