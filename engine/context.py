"""What every service needs: the session, who acts, the business day, settings, calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine import history as _history  # noqa: F401  (registers the flush listeners)
from engine import search_keys as _search_keys  # noqa: F401
from engine import summary as _summary  # noqa: F401
from engine import text_limits as _text_limits  # noqa: F401  (texts checked on flush)
from engine.access import Actor, authenticate
from engine.calendar import WorkCalendar
from engine.db_errors import waiting_for
from engine.errors import Conflict
from engine.i18n import _
from engine.penalties import RateTable
from engine.settings import Settings
from models.tables import PenaltyRate


@dataclass
class Ctx:
    session: Session
    actor: Actor
    today: dt.date
    settings: Settings

    @classmethod
    def load(cls, session: Session, login: str, today: dt.date) -> Ctx:
        session.info["login"] = login
        actor = authenticate(session, login)
        return cls(session, actor, today, Settings.load(session))

    @cached_property
    def calendar(self) -> WorkCalendar:
        # Built on first use: loading a country's holidays costs ~0.1 s that read-only
        # commands (dossier show, actions) need not pay.
        return WorkCalendar(self.settings.holiday_country, self.settings.business_days)

    def rates(self) -> RateTable:
        flat = self.settings.penalty_rate
        if flat is not None:
            return RateTable.flat(flat)
        rows = self.session.exec(select(col(PenaltyRate.start), col(PenaltyRate.rate))).all()
        return RateTable(tuple((start, rate) for start, rate in rows), per_half_year=True)


def claim(session: Session, record: object, expected_version: int | None, label: str) -> None:
    """Take the record for this change, or refuse it when someone saved it since it was read.

    The guarded UPDATE both checks and bumps the version in one statement, so two
    concurrent saves cannot both pass (optimistic locking, docs/RULES.md).
    """
    model = type(record)
    version = record.version if expected_version is None else expected_version  # type: ignore[attr-defined]
    with waiting_for(label):
        result = session.execute(
            update(model)
            .where(model.id == record.id, model.version == version)  # type: ignore[attr-defined]
            .values(version=version + 1)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "{label} was changed by someone else since you opened it: your change is "
                "refused and theirs is kept. Reload and try again."
            ).format(label=label)
        )
    session.refresh(record)
