"""Late-payment charges (docs/RULES.md): interest by half-year rate and the fixed indemnity.

Pure functions here; ``engine.effects`` turns them into entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.errors import UserError
from engine.i18n import _
from models.types import to_money

DAYS_IN_YEAR = Decimal(365)

# ECB main refinancing rate in force on 1 January / 1 July, plus 10 points (L441-10).
# The company edits this table (`rates add/remove`); these are the rows `init` installs:
# only rates the ECB has published, never a guess for a half-year to come.
ECB_PLUS_TEN: tuple[tuple[dt.date, Decimal, str], ...] = (
    (dt.date(2023, 1, 1), Decimal("12.50"), "BCE 2,50 % + 10"),
    (dt.date(2023, 7, 1), Decimal("14.00"), "BCE 4,00 % + 10"),
    (dt.date(2024, 1, 1), Decimal("14.50"), "BCE 4,50 % + 10"),
    (dt.date(2024, 7, 1), Decimal("14.25"), "BCE 4,25 % + 10"),
    (dt.date(2025, 1, 1), Decimal("13.15"), "BCE 3,15 % + 10"),
    (dt.date(2025, 7, 1), Decimal("12.15"), "BCE 2,15 % + 10"),
    (dt.date(2026, 1, 1), Decimal("12.15"), "BCE 2,15 % + 10"),
)
# Shipped by earlier versions although the ECB had not published it: `init` removes it from
# an existing database while it still holds exactly these values.
WITHDRAWN_ROW = (dt.date(2026, 7, 1), Decimal("12.15"), "BCE 2,15 % + 10")


def half_year_of(day: dt.date) -> dt.date:
    """The first day of the half-year (1 January or 1 July) holding ``day``."""
    return dt.date(day.year, 1 if day.month < 7 else 7, 1)


def half_years(start: dt.date, end: dt.date) -> list[dt.date]:
    """The half-years holding a day after ``start`` up to ``end`` inclusive, in order."""
    if end <= start:
        return []
    found, current = [], half_year_of(start + dt.timedelta(days=1))
    while current <= end:
        found.append(current)
        current = (
            dt.date(current.year, 7, 1) if current.month == 1 else dt.date(current.year + 1, 1, 1)
        )
    return found


class MissingRate(UserError):
    """A half-year of the dated rate table has no row of its own."""

    def __init__(self, half_year: dt.date) -> None:
        super().__init__(
            _(
                "No late-payment rate for the half-year starting {day}: add the ECB rate of "
                "that day plus 10 points with `rates add {day} RATE` (or set a flat "
                "penalty_rate)."
            ).format(day=half_year.isoformat())
        )
        self.half_year = half_year


@dataclass(frozen=True)
class RateTable:
    """Annual rates in percent, each in force from its start date until the next one."""

    rows: tuple[tuple[dt.date, Decimal], ...]
    # The dated table of the company: every half-year (1 January, 1 July) of a computation
    # needs a row of its own, rather than silently reusing the previous half-year's rate.
    per_half_year: bool = False

    @classmethod
    def flat(cls, rate: Decimal) -> RateTable:
        return cls(((dt.date.min, rate),))

    def missing(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The half-years holding a day after ``start`` up to ``end`` that have no row."""
        if not self.per_half_year:
            return []
        starts = {row_start for row_start, _rate in self.rows}
        return [day for day in half_years(start, end) if day not in starts]

    def segments(self, start: dt.date, end: dt.date) -> list[tuple[int, Decimal]]:
        """(days, rate) for the days after ``start`` up to ``end`` inclusive."""
        rows = sorted(self.rows)
        first_day = start + dt.timedelta(days=1)
        if not rows or rows[0][0] > first_day:
            raise UserError(
                _("No late-payment rate is defined for {day}: add one to the rate table.").format(
                    day=first_day.isoformat()
                )
            )
        missing = self.missing(start, end)
        if missing:
            raise MissingRate(missing[0])
        result: list[tuple[int, Decimal]] = []
        for index, (row_start, rate) in enumerate(rows):
            row_end = rows[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(rows) else None
            seg_from = max(first_day, row_start)
            seg_to = end if row_end is None else min(end, row_end)
            if seg_from <= seg_to:
                result.append(((seg_to - seg_from).days + 1, rate))
        return result


def interest_exact(amount: Decimal, start: dt.date, end: dt.date, rates: RateTable) -> Decimal:
    """Unrounded interest on ``amount`` for the days after ``start`` through ``end``."""
    if end <= start or amount <= 0:
        return Decimal(0)
    return sum(
        (amount * rate / 100 * days / DAYS_IN_YEAR for days, rate in rates.segments(start, end)),
        Decimal(0),
    )


def interest(amount: Decimal, due: dt.date, day: dt.date, rates: RateTable) -> Decimal:
    """One-shot interest on an invoice due ``due``, computed on ``day``, rounded half-up."""
    return to_money(interest_exact(amount, due, day, rates))


@dataclass(frozen=True)
class Increment:
    amount: Decimal  # what to charge now, rounded
    cumulative_exact: Decimal  # unrounded interest charged so far, this one included
    period_start: dt.date
    period_end: dt.date


def penalty_increment(
    open_amount: Decimal,
    due: dt.date,
    day: dt.date,
    rates: RateTable,
    last_period_end: dt.date | None,
    cumulative_exact: Decimal,
    charged: Sequence[Decimal],
) -> Increment | None:
    """The increase since the last computation, or None when there is nothing new.

    Rounding the running total (not each slice) keeps the increments adding up to the
    one-shot computation over the same period.
    """
    start = max(due, last_period_end) if last_period_end else due
    if day <= start:
        return None
    total = cumulative_exact + interest_exact(open_amount, start, day, rates)
    amount = to_money(total) - sum(charged, Decimal(0))
    if amount <= 0:
        return None
    return Increment(to_money(amount), total, start, day)
