"""When the demo's dossiers move: working days, the scenarios' steps as plain values, and the
days agents take to get to a step."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from engine.calendar import WorkCalendar
from engine.demo.ledger import to_cents
from engine.scenarios import BUILTIN_NAME, COURTESY, find_scenario, steps_of
from engine.settings import Settings

ONE = dt.timedelta(days=1)
AGENT_LAGS = (0, 0, 0, 0, 1, 1, 2, 3, 4, 7)
# The two scenarios the demo's dossiers follow, by the key the flavours draw.
SCENARIOS = {"builtin": BUILTIN_NAME, "courtesy": COURTESY.name}


class Days:
    """Working-day arithmetic with memo tables (the bulk flavour plans ~700,000 steps)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._next: dict[dt.date, dt.date] = {}
        self._plan: dict[tuple[dt.date, int], dt.date] = {}

    @classmethod
    def of(cls, settings: Settings) -> Days:
        return cls(WorkCalendar(settings.holiday_country, settings.business_days))

    def next(self, day: dt.date) -> dt.date:
        found = self._next.get(day)
        if found is None:
            found = self._next[day] = self.calendar.next_working_day(day)
        return found

    def previous(self, day: dt.date) -> dt.date:
        while not self.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def plan(self, base: dt.date, delay: int) -> dt.date:
        found = self._plan.get((base, delay))
        if found is None:
            found = self._plan[(base, delay)] = self.calendar.plan(base, delay)
        return found

    def acted(self, planned: dt.date, rng: random.Random) -> dt.date:
        """The working day an agent gets to a step planned on ``planned``, after their lag."""
        return self.next(planned + dt.timedelta(days=rng.choice(AGENT_LAGS)))


@dataclass(frozen=True)
class Step:
    position: int
    name: str
    delay: int
    type: str
    risk: str | None
    loss_percent: Decimal | None
    penalties: bool
    fees: int | None  # cents
    effects: bool

    @property
    def skippable(self) -> bool:
        """Only a call that changes nothing gets skipped (the customer could not be reached)."""
        return not self.effects and self.type == "phone"


def steps(session: Session, name: str) -> tuple[int, list[Step]]:
    """A scenario's id and steps as plain values (ORM rows get expired by balance refreshes)."""
    scenario = find_scenario(session, name)
    return scenario.id or 0, [
        Step(
            s.position,
            s.name,
            s.delay,
            s.type,
            s.risk,
            s.loss_percent,
            s.penalties,
            to_cents(s.fees) if s.fees is not None else None,
            bool(s.risk or s.loss_percent is not None or s.penalties or s.fees),
        )
        for s in steps_of(session, scenario.id or 0)
    ]


def scenarios(session: Session) -> dict[str, tuple[int, list[Step]]]:
    """Both scenarios' ids and steps, by their key in SCENARIOS."""
    return {key: steps(session, name) for key, name in SCENARIOS.items()}
