"""The aged balance (docs/RULES.md): buckets at their edges, credits, settled entries,
totals that add up, configured buckets, DSO, the daily snapshot and the ``aging`` command,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine.balances import open_amounts_on, refresh_open_amounts
from engine.daily import run_daily
from engine.errors import UserError
from engine.reads.aging import (
    AgingFilter,
    aging_count,
    aging_totals,
    aging_window,
    bucket_keys,
    dso,
    dso_days,
    snapshot_series,
)
from engine.settings import parse_setting, set_setting
from models.tables import AgingSnapshot
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import Cli

TODAY = dt.date(2026, 3, 2)
RUNS = itertools.count()
EDGES = (30, 60, 90)


def due(days_late: int) -> str:
    return (TODAY - dt.timedelta(days=days_late)).isoformat()


def buckets_of(db: TestDB, code: str, edges: tuple[int, ...] = EDGES) -> dict[str, Decimal]:
    with db.session() as session:
        rows = aging_window(session, TODAY, edges, AgingFilter(text=code))
    [row] = [r for r in rows if r.code == code]
    return {"total": row.total, **dict(zip(bucket_keys(edges), row.buckets, strict=True))}


def test_bucket_keys() -> None:
    assert bucket_keys((30, 60, 90)) == ["not_due", "1-30", "31-60", "61-90", "91+"]
    assert bucket_keys((15,)) == ["not_due", "1-15", "16+"]


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),  # due today: not due yet
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91+"),
        (400, "91+"),
    ],
)
def test_bucket_edges(db: TestDB, days_late: int, bucket: str) -> None:
    with db.ctx(TODAY) as ctx:
        c = add_customer(ctx.session, "CEDGE", "Edge SA")
        add_entry(ctx.session, c, "invoice", "2025-01-01", "100.00", due=due(days_late))
    amounts = buckets_of(db, "CEDGE")
    assert amounts[bucket] == Decimal("100.00")
    assert sum(v for k, v in amounts.items() if k != "total") == Decimal("100.00")


def test_credits_settled_entries_and_later_entries(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        c = add_customer(s, "CMIX", "Mélange SARL")
        # Part-paid: 600 left, 45 days late.
        add_entry(s, c, "invoice", "2026-01-01", "1000.00", due=due(45), lettering="AA")
        add_entry(s, c, "payment", "2026-02-01", "400.00", lettering="AA")
        # Settled: counts nowhere.
        add_entry(s, c, "invoice", "2025-11-01", "700.00", due=due(100), lettering="AB")
        add_entry(s, c, "payment", "2025-12-01", "700.00", lettering="AB")
        # An open credit note without a due date sits at its own date (10 days ago).
        add_entry(s, c, "credit_note", due(10), "50.00")
        # Dated after the day: did not exist yet.
        add_entry(s, c, "invoice", "2026-03-10", "999.00", due="2026-04-10")
    amounts = buckets_of(db, "CMIX")
    assert amounts == {
        "total": Decimal("550.00"),
        "not_due": Decimal("0.00"),
        "1-30": Decimal("-50.00"),
        "31-60": Decimal("600.00"),
        "61-90": Decimal("0.00"),
        "91+": Decimal("0.00"),
    }


def test_configured_buckets(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        c = add_customer(s, "CCONF", "Conf SA")
        add_entry(s, c, "invoice", "2025-01-01", "10.00", due=due(15))
        add_entry(s, c, "invoice", "2025-01-01", "20.00", due=due(16))
        add_entry(s, c, "invoice", "2025-01-01", "40.00", due=due(200))
        set_setting(s, "aging_buckets", " 15 , 45 ", ctx.actor)
    with db.ctx(TODAY) as ctx:
        edges = ctx.settings.aging_buckets
    assert edges == (15, 45)
    assert buckets_of(db, "CCONF", edges) == {
        "total": Decimal("70.00"),
        "not_due": Decimal("0.00"),
        "1-15": Decimal("10.00"),
        "16-45": Decimal("20.00"),
        "46+": Decimal("40.00"),
    }


@pytest.mark.parametrize("value", ["", "30,30", "60,30", "0,30", "x", "30;60", "-5", "3651"])
def test_bad_bucket_settings_are_refused(value: str) -> None:
    with pytest.raises(UserError, match="aging_buckets"):
        parse_setting("aging_buckets", value)


def test_dso_worked_example(db: TestDB) -> None:
    """Invoices of 9,000 in the last 90 days, 3,000 still owed: 3,000 ÷ 9,000 × 90 = 30
    days. An older invoice is owed but is no sale of the period; a credit note lowers the
    sales."""
    assert dso_days(Decimal("3000"), Decimal("9000")) == 30
    assert dso_days(Decimal("1"), Decimal("0")) is None
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        c = add_customer(s, "CDSO", "DSO SA")
        add_entry(s, c, "invoice", due(10), "5000.00", due=due(-20), lettering="AA")
        add_entry(s, c, "payment", due(5), "5000.00", lettering="AA")
        add_entry(s, c, "invoice", due(89), "5000.00", due=due(59))
        add_entry(s, c, "credit_note", due(20), "1000.00")  # sales 9,000; owed 4,000
        add_entry(s, c, "invoice", due(90), "777.00", lettering="AB")  # outside the 90 days
        add_entry(s, c, "payment", due(1), "777.00", lettering="AB")
    with db.session() as session:
        assert dso(session, TODAY) == 40  # 4,000 ÷ 9,000 × 90


def seed_two(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        a = add_customer(s, "CALPHA", "Établissements Alpha")
        add_entry(s, a, "invoice", "2025-01-01", "100.00", due=due(5))
        add_entry(s, a, "invoice", "2025-01-01", "300.00", due=due(-5))
        b = add_customer(s, "CBETA", "Béta SARL")
        add_entry(s, b, "invoice", "2025-01-01", "250.00", due=due(95))
        zero = add_customer(s, "CZERO", "Nothing Owed")
        add_entry(s, zero, "invoice", "2025-01-01", "10.00", due=due(5), lettering="AA")
        add_entry(s, zero, "payment", "2025-01-05", "10.00", lettering="AA")


def test_sort_filter_count_and_totals(db: TestDB) -> None:
    seed_two(db)
    with db.session() as s:
        assert [r.code for r in aging_window(s, TODAY)] == ["CALPHA", "CBETA"]  # by total desc
        by_91 = aging_window(s, TODAY, EDGES, AgingFilter(sort="91+"))
        assert [r.code for r in by_91] == ["CBETA", "CALPHA"]
        by_code = AgingFilter(sort="code", descending=True)
        assert [r.code for r in aging_window(s, TODAY, EDGES, by_code)] == ["CBETA", "CALPHA"]
        accents = AgingFilter(text="etabl")
        assert [r.code for r in aging_window(s, TODAY, EDGES, accents)] == ["CALPHA"]
        assert aging_count(s, TODAY, EDGES, AgingFilter()) == 2
        assert aging_count(s, TODAY, EDGES, AgingFilter(text="BÉTA")) == 1
        assert [r.code for r in aging_window(s, TODAY, EDGES, AgingFilter(), 1, 1)] == ["CBETA"]
        totals = aging_totals(s, TODAY, EDGES)
    assert totals.customers == 2
    assert totals.total.total == Decimal("650.00")
    assert totals.total.buckets == (
        Decimal("300.00"),
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("250.00"),
    )


amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=2).filter(
    lambda v: v != 0
)
lines = st.lists(
    st.tuples(st.integers(0, 2), st.integers(-40, 200), amounts), min_size=1, max_size=12
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=lines, edges=st.sampled_from([(30, 60, 90), (15,), (7, 14, 21, 28)]))
def test_buckets_add_up_to_totals(sqlite_db: TestDB, lines: list, edges: tuple[int, ...]) -> None:
    """Always: a customer's buckets sum to its total, and customers to the grand total."""
    with sqlite_db.ctx(TODAY) as ctx:
        s = ctx.session
        run = next(RUNS)
        customers = [add_customer(s, f"CH{n}x{run}", f"H{n}") for n in range(3)]
        for who, late, amount in lines:
            kind = "invoice" if amount > 0 else "credit_note"
            entry = add_entry(s, customers[who], kind, "2025-01-01", str(abs(amount)))
            entry.due_date = TODAY - dt.timedelta(days=late)
        s.flush()
    with sqlite_db.session() as s:
        rows = aging_window(s, TODAY, edges)
        totals = aging_totals(s, TODAY, edges)
    for row in rows:
        assert sum(row.buckets, Decimal(0)) == row.total
    assert sum((r.total for r in rows), Decimal(0)) == totals.total.total
    for i, amount in enumerate(totals.total.buckets):
        assert sum((r.buckets[i] for r in rows), Decimal(0)) == amount
    assert sum(totals.total.buckets, Decimal(0)) == totals.total.total


def test_the_daily_pass_writes_one_snapshot_a_day(db: TestDB) -> None:
    seed_two(db)
    for _ in range(2):
        with db.ctx(TODAY) as ctx:
            run_daily(ctx)
    with db.session() as s:
        rows = s.exec(select(AgingSnapshot)).all()
        assert len(rows) == 1
        [row] = rows
        assert (row.day, row.total, row.not_due, row.overdue) == (
            TODAY,
            Decimal("650.00"),
            Decimal("300.00"),
            Decimal("350.00"),
        )
        assert row.edges == "30,60,90"
        assert row.amounts == "300.00;100.00;0.00;0.00;250.00"
    with db.ctx(TODAY + dt.timedelta(days=1)) as ctx:
        run_daily(ctx)
    with db.session() as s:
        series = snapshot_series(s, TODAY + dt.timedelta(days=1))
    assert [p.day for p in series] == [TODAY, TODAY + dt.timedelta(days=1)]
    assert series[1].overdue == Decimal("350.00")  # nothing fell due overnight
    assert series[1].total == Decimal("650.00")


def test_a_past_day_counts_what_was_open_on_that_day(db: TestDB) -> None:
    """On a day before a payment was booked, what it settled since was still owed (the
    amount on day D of docs/RULES.md); the day after, it is settled."""
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        c = add_customer(s, "CPAST", "Passé SARL")
        # Paid in full after the day: all 1,000 were owed on the day, 45 days late.
        add_entry(s, c, "invoice", "2026-01-01", "1000.00", due=due(45), lettering="AA")
        add_entry(s, c, "payment", "2026-03-20", "1000.00", lettering="AA")
        # Two invoices, 700 paid before the day (the oldest first), 300 after.
        add_entry(s, c, "invoice", "2025-10-01", "600.00", due=due(100), lettering="AB")
        add_entry(s, c, "invoice", "2025-12-01", "400.00", due=due(70), lettering="AB")
        add_entry(s, c, "payment", "2026-02-15", "700.00", lettering="AB")
        add_entry(s, c, "payment", "2026-03-25", "300.00", lettering="AB")
        # A payment on account before the day, matched to an invoice dated after it.
        add_entry(s, c, "payment", due(10), "500.00", lettering="AC")
        add_entry(s, c, "invoice", "2026-03-15", "500.00", due="2026-04-15", lettering="AC")
        # Payments beyond the invoices on the day: the oldest credit is used up first.
        add_entry(s, c, "payment", due(20), "300.00", lettering="AD")
        add_entry(s, c, "payment", due(10), "200.00", lettering="AD")
        add_entry(s, c, "invoice", due(5), "400.00", due=due(5), lettering="AD")
        add_entry(s, c, "invoice", "2026-03-05", "100.00", due="2026-04-05", lettering="AD")
    assert buckets_of(db, "CPAST") == {
        "total": Decimal("700.00"),
        "not_due": Decimal("0.00"),
        "1-30": Decimal("-600.00"),
        "31-60": Decimal("1000.00"),
        "61-90": Decimal("300.00"),
        "91+": Decimal("0.00"),
    }
    with db.session() as s:
        assert aging_window(s, dt.date(2026, 4, 1), EDGES, AgingFilter(text="CPAST")) == []
        assert aging_totals(s, TODAY, EDGES).total.total == Decimal("700.00")
        # Owed on the day 700; sold in the 90 days ending on it: 1,000 + 400.
        assert dso(s, TODAY) == 45  # 700 ÷ 1,400 × 90


dated = st.tuples(
    st.integers(0, 1),  # customer
    st.sampled_from(["", "AA", "AA", "AB"]),  # lettering group: mostly a shared one
    st.integers(-60, 60),  # date, days from the day
    st.integers(-30, 90),  # days past due on the day
    st.builds(  # an invoice (> 0) or a payment (< 0), as often
        lambda sign, value: sign * value,
        st.sampled_from([1, -1]),
        st.decimals(min_value=Decimal("1"), max_value=Decimal("1000"), places=2),
    ),
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(dated, min_size=3, max_size=12))
def test_a_past_day_is_the_rule_of_the_amount_on_a_day(sqlite_db: TestDB, lines: list) -> None:
    """Always: the aged balance on a day, read in SQL, is each entry's amount on that day
    as engine.balances allocates it, in the bucket of its due date."""
    with sqlite_db.ctx(TODAY) as ctx:
        s = ctx.session
        run = next(RUNS)
        customers = [add_customer(s, f"CD{n}x{run}", f"D{n}") for n in range(2)]
        entries = []
        for who, code, offset, late, amount in lines:
            kind = "invoice" if amount > 0 else "payment"
            day = (TODAY + dt.timedelta(days=offset)).isoformat()
            entry = add_entry(
                s, customers[who], kind, day, str(abs(amount)), lettering=code or None
            )
            entry.due_date = TODAY - dt.timedelta(days=late) if kind == "invoice" else None
            entries.append(entry)
        s.flush()
        for customer in customers:
            assert customer.id is not None
            refresh_open_amounts(s, customer.id)
        on_day = open_amounts_on(s, [e.id for e in entries if e.id is not None], TODAY)
        keys = bucket_keys(EDGES)
        expected: dict[str, list[Decimal]] = {}
        for entry in entries:
            amount = on_day[entry.id or 0]
            if entry.date > TODAY or amount == 0:
                continue
            late = (TODAY - (entry.due_date or entry.date)).days
            index = next((i for i, edge in enumerate((0, *EDGES)) if late <= edge), len(EDGES) + 1)
            code = customers[[c.id for c in customers].index(entry.customer_id)].code
            row = expected.setdefault(code, [Decimal(0)] * len(keys))
            row[index] += amount
    with sqlite_db.session() as s:
        rows = aging_window(s, TODAY, EDGES)
    got = {r.code: list(r.buckets) for r in rows if r.code.endswith(f"x{run}") and any(r.buckets)}
    assert got == {code: row for code, row in expected.items() if any(row)}


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


def test_cli_json(cli: Cli, db: TestDB) -> None:
    seed_two(db)
    data = cli.json("aging", today=TODAY.isoformat())
    keys = ["not_due", "1-30", "31-60", "61-90", "91+"]
    assert data["date"] == "2026-03-02"
    assert data["buckets"] == keys
    assert [c["customer"] for c in data["customers"]] == ["CALPHA", "CBETA"]
    assert set(data["customers"][0]) >= {"customer", "total", *keys}
    assert data["customers"][0]["total"] == "400.00"
    assert data["customers"][0]["1-30"] == "100.00"
    assert data["total"] == {
        "total": "650.00",
        "not_due": "300.00",
        "1-30": "100.00",
        "31-60": "0.00",
        "61-90": "0.00",
        "91+": "250.00",
    }
    assert "dso" in data


def test_cli_csv_and_table(cli: Cli, db: TestDB) -> None:
    seed_two(db)
    code, out, err = cli("aging", "--csv", today=TODAY.isoformat())
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["customer", "name", "total", "not_due", "1-30", "31-60", "61-90", "91+"]
    assert rows[1][:5] == ["CALPHA", "Établissements Alpha", "400.00", "300.00", "100.00"]
    assert rows[1][5:] == ["0.00", "0.00", "0.00"]
    assert rows[-1][2] == "650.00"
    code, out, err = cli("aging", today=TODAY.isoformat())
    assert code == 0, err
    assert "CBETA" in out and "650.00" in out and "DSO" in out
