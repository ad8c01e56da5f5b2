"""``recouvrement init``: schema to the newest migration, then the defaults a company needs."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from engine import history as _history  # noqa: F401  (registers the flush listeners)
from engine import summary as _summary  # noqa: F401
from engine.access import add_user
from engine.penalties import ECB_PLUS_TEN
from engine.rates import remove_withdrawn_row
from engine.scenarios import install_defaults
from models.db import refresh_statistics, session_factory, transaction, upgrade
from models.tables import PenaltyRate, Sequence, User


def initialize(engine: Engine, login: str) -> bool:
    """Upgrade and install defaults; the login that creates the database is its first
    manager. Returns True when the database was new. Safe to run again."""
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        session.info["login"] = login
        new = session.exec(select(User).limit(1)).first() is None
        if new:
            add_user(session, None, login, "manager")
        if session.exec(select(PenaltyRate).limit(1)).first() is None:
            for start, rate, note in ECB_PLUS_TEN:
                session.add(PenaltyRate(start=start, rate=rate, note=note))
        remove_withdrawn_row(session)  # a guessed rate earlier versions shipped
        if session.get(Sequence, "dossier") is None:
            session.add(Sequence(name="dossier", value=0))
        install_defaults(session)
        refresh_statistics(session.connection())
    return new
