"""Business-day calendar: weekends and the company country's public holidays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from engine.errors import UserError
from engine.i18n import _

# Dates people give stop at engine.parsing.MAX_DATE; computed ones (a date plus delays) stop
# here, far from the last date Python and the databases know (9999-12-31).
HORIZON = dt.date(9000, 12, 31)


@lru_cache(maxsize=16)
def _country_holidays(country: str) -> Any:
    import holidays  # on first use: read-only commands never need it

    try:
        return holidays.country_holidays(country)
    except NotImplementedError as exc:
        raise UserError(
            _("Unknown holiday country {value!r}: expected an ISO code such as FR, BE, DE.").format(
                value=country
            )
        ) from exc


def check_country(country: str) -> str:
    _country_holidays(country.upper())
    return country.upper()


@dataclass(frozen=True)
class WorkCalendar:
    country: str = "FR"
    business_days: bool = True
    _holidays: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holidays", _country_holidays(self.country.upper()))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day (or business days are off), else the next."""
        if not self.business_days:
            return day
        while not self.is_working_day(day) and day < HORIZON:
            day = day + dt.timedelta(days=1)
        return day

    def plan(self, base: dt.date, delay: int) -> dt.date:
        """The date a step with ``delay`` days falls on when counted from ``base``; never past
        :data:`HORIZON` (a forecast adding up many long delays stays a date)."""
        days = max(0, min(delay, (HORIZON - base).days))
        return self.next_working_day(base + dt.timedelta(days=days))
