"""Unit tests and hypothesis properties of the pure rules: calendar, penalties, lettering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.balances import Line, allocate_group
from engine.calendar import WorkCalendar
from engine.errors import UserError
from engine.parsing import InvalidNumber, parse_amount, parse_percent
from engine.penalties import (
    ECB_PLUS_TEN,
    MissingRate,
    RateTable,
    half_year_of,
    half_years,
    interest,
    penalty_increment,
)
from models.types import to_money

FR = WorkCalendar("FR", True)
dates = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)


def test_french_holidays_and_weekends() -> None:
    assert FR.plan(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 9)  # Saturday → Monday
    assert FR.next_working_day(dt.date(2026, 4, 6)) == dt.date(2026, 4, 7)  # Easter Monday
    for holiday in (
        "2026-01-01",
        "2026-05-01",
        "2026-05-08",
        "2026-05-14",
        "2026-05-25",
        "2026-07-14",
        "2026-08-15",
        "2026-11-01",
        "2026-11-11",
        "2026-12-25",
    ):
        assert not FR.is_working_day(dt.date.fromisoformat(holiday)), holiday
    assert FR.is_working_day(dt.date(2026, 4, 3))  # Good Friday works outside Alsace-Moselle


def test_business_days_off_keeps_the_date() -> None:
    assert WorkCalendar("FR", False).plan(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 7)


def test_unknown_country_is_refused_with_its_code() -> None:
    with pytest.raises(UserError, match="'XX'"):
        WorkCalendar("XX")


@given(dates, st.integers(min_value=0, max_value=60))
def test_planned_date_is_a_working_day_never_before_the_delay(base: dt.date, delay: int) -> None:
    planned = FR.plan(base, delay)
    assert FR.is_working_day(planned)
    assert planned >= base + dt.timedelta(days=delay)
    assert (planned - base).days <= delay + 5  # no holiday cluster in France is longer


@given(dates, st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12))
def test_dates_never_go_backwards(start: dt.date, delays: list[int]) -> None:
    day = start
    for delay in delays:
        nxt = FR.plan(day, delay)
        assert nxt >= day
        day = nxt


def test_worked_example_of_the_domain() -> None:
    rates = RateTable.flat(Decimal("12.15"))
    assert interest(
        Decimal("1200.00"), dt.date(2026, 2, 1), dt.date(2026, 3, 27), rates
    ) == Decimal("21.57")
    first = penalty_increment(
        Decimal("1200.00"), dt.date(2026, 2, 1), dt.date(2026, 3, 27), rates, None, Decimal(0), []
    )
    assert first is not None and first.amount == Decimal("21.57")
    second = penalty_increment(
        Decimal("1200.00"),
        dt.date(2026, 2, 1),
        dt.date(2026, 4, 7),
        rates,
        first.period_end,
        first.cumulative_exact,
        [first.amount],
    )
    assert second is not None and second.amount == Decimal("4.39")
    assert (second.period_start, second.period_end) == (dt.date(2026, 3, 27), dt.date(2026, 4, 7))
    again = penalty_increment(
        Decimal("1200.00"),
        dt.date(2026, 2, 1),
        dt.date(2026, 4, 7),
        rates,
        second.period_end,
        second.cumulative_exact,
        [first.amount, second.amount],
    )
    assert again is None  # never twice


def test_half_years_each_at_their_own_rate() -> None:
    table = RateTable(tuple((start, rate) for start, rate, _ in ECB_PLUS_TEN))
    # 2025-06-01 → 2025-07-10: 29 days at 13.15 % then 10 days at 12.15 %.
    expected = to_money(Decimal(1000) * (Decimal("13.15") * 29 + Decimal("12.15") * 10) / 100 / 365)
    assert interest(Decimal(1000), dt.date(2025, 6, 1), dt.date(2025, 7, 10), table) == expected


def test_missing_rate_names_the_day() -> None:
    table = RateTable(((dt.date(2026, 1, 1), Decimal(12)),))
    with pytest.raises(UserError, match="2025-12-01"):
        interest(Decimal(100), dt.date(2025, 11, 30), dt.date(2026, 2, 1), table)


@settings(max_examples=200)
@given(amounts, dates, st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=8))
def test_increments_add_up_to_the_one_shot_computation(
    amount: Decimal, due: dt.date, gaps: list[int]
) -> None:
    table = RateTable(tuple((start, rate) for start, rate, _ in ECB_PLUS_TEN))
    day, last_end, cumulative, charged = due, None, Decimal(0), []
    for gap in gaps:
        day = day + dt.timedelta(days=gap)
        step = penalty_increment(amount, due, day, table, last_end, cumulative, charged)
        if step is not None:
            assert step.amount > 0
            last_end, cumulative = step.period_end, step.cumulative_exact
            charged.append(step.amount)
    assert sum(charged, Decimal(0)) == interest(amount, due, day, table)


lines = st.lists(st.tuples(amounts, st.booleans(), dates), min_size=1, max_size=8).map(
    lambda items: [
        Line(i, amount if is_debit else Decimal(0), Decimal(0) if is_debit else amount, (day, i))
        for i, (amount, is_debit, day) in enumerate(items)
    ]
)


@given(lines)
def test_lettering_group_open_amounts_add_up_to_its_net(group: list[Line]) -> None:
    result = allocate_group(group)
    net = sum((line.debit - line.credit for line in group), Decimal(0))
    assert sum(result.values(), Decimal(0)) == net
    for line in group:
        signed = line.debit - line.credit
        # open amounts stay on the side that exceeds and never exceed the entry itself
        assert abs(result[line.id]) <= abs(signed)
        assert result[line.id] == 0 or (result[line.id] > 0) == (net > 0)


def test_partial_payment_lowers_the_oldest_invoice_first() -> None:
    group = [
        Line(1, Decimal("100.00"), Decimal(0), (dt.date(2026, 1, 1), 1)),
        Line(2, Decimal("200.00"), Decimal(0), (dt.date(2026, 2, 1), 2)),
        Line(3, Decimal(0), Decimal("150.00"), (dt.date(2026, 2, 10), 3)),
    ]
    assert allocate_group(group) == {1: Decimal(0), 2: Decimal("150.00"), 3: Decimal(0)}


def test_balanced_group_is_settled() -> None:
    group = [
        Line(1, Decimal("100.00"), Decimal(0), (dt.date(2026, 1, 1), 1)),
        Line(2, Decimal(0), Decimal("100.00"), (dt.date(2026, 2, 1), 2)),
    ]
    assert allocate_group(group) == {1: Decimal(0), 2: Decimal(0)}


# --- reading amounts and percentages (engine.parsing: one parser for every input) ------------


def _written(amount: Decimal, style: str) -> str:
    """``amount`` as people and accounting files write it."""
    sign, whole, cents = (
        ("-" if amount < 0 else ""),
        f"{abs(amount):,.2f}"[:-3],
        f"{amount:.2f}"[-2:],
    )
    return {
        "plain": f"{amount:.2f}",
        "french": sign + whole.replace(",", " ") + "," + cents,
        "french_nbsp": sign + whole.replace(",", "\u00a0") + "," + cents,
        "french_narrow": sign + whole.replace(",", "\u202f") + "," + cents,
        "english": sign + whole + "." + cents,
        "german": sign + whole.replace(",", ".") + "," + cents,
    }[style]


@given(
    st.decimals(min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=2),
    st.sampled_from(["plain", "french", "french_nbsp", "french_narrow", "english", "german"]),
)
def test_amounts_read_back_in_every_written_form(amount: Decimal, style: str) -> None:
    assert parse_amount(_written(amount, style)) == amount


@given(st.text(max_size=30))
def test_amount_parser_returns_cents_or_a_named_refusal(text: str) -> None:
    try:
        amount = parse_amount(text, "x", minimum=Decimal(0))
    except InvalidNumber as exc:
        assert repr(text) in exc.message and exc.expected
        return
    assert amount.is_finite() and amount >= 0 and amount.as_tuple().exponent == -2


@given(st.one_of(st.text(max_size=12), st.floats().map(str)))
def test_percent_parser_returns_0_to_100_or_a_named_refusal(text: str) -> None:
    try:
        percent = parse_percent(text)
    except InvalidNumber as exc:
        assert repr(text) in exc.message
        return
    assert percent.is_finite() and Decimal(0) <= percent <= Decimal(100)


def test_a_half_year_without_its_own_row_is_refused_not_guessed() -> None:
    rows = tuple((start, rate) for start, rate, _ in ECB_PLUS_TEN)
    strict = RateTable(rows, per_half_year=True)
    assert strict.missing(dt.date(2026, 1, 31), dt.date(2026, 6, 30)) == []
    assert strict.missing(dt.date(2026, 1, 31), dt.date(2027, 1, 1)) == [
        dt.date(2026, 7, 1),
        dt.date(2027, 1, 1),
    ]
    with pytest.raises(MissingRate, match=r"half-year starting 2026-07-01: .*rates add 2026-07-01"):
        interest(Decimal(1000), dt.date(2026, 5, 31), dt.date(2026, 7, 1), strict)
    # the same days inside the table are computed as before
    assert interest(Decimal(1000), dt.date(2026, 5, 31), dt.date(2026, 6, 30), strict) == interest(
        Decimal(1000), dt.date(2026, 5, 31), dt.date(2026, 6, 30), RateTable(rows)
    )


@given(dates, dates)
def test_half_years_cover_the_period(start: dt.date, end: dt.date) -> None:
    found = half_years(start, end)
    if end <= start:
        assert found == []
        return
    assert found[0] == half_year_of(start + dt.timedelta(days=1))
    assert found[-1] == half_year_of(end)
    assert all(day.day == 1 and day.month in (1, 7) for day in found)
    assert found == sorted(set(found))
