"""``recouvrement init``: schema to the newest migration, then the defaults a company needs."""

from __future__ import annotations

from sqlalchemy import Engine, inspect
from sqlalchemy import select as sa_select
from sqlmodel import select

from engine import history as _history  # noqa: F401  (registers the flush listeners)
from engine import summary as _summary  # noqa: F401
from engine.access import add_user
from engine.errors import Forbidden
from engine.i18n import _
from engine.penalties import ECB_PLUS_TEN
from engine.rates import remove_withdrawn_row
from engine.scenarios import install_defaults
from models.db import (
    is_initialized,
    refresh_statistics,
    session_factory,
    transaction,
    upgrade,
)
from models.tables import PenaltyRate, Sequence, User


def require_upgrader(engine: Engine, login: str) -> None:
    """Only an active manager may upgrade a database that has users; anyone may create one
    (and becomes its first manager)."""
    if not is_initialized(engine):
        return
    users = User.__table__  # type: ignore[attr-defined]
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        if not inspect(conn).has_table(users.name):
            return
        anyone = conn.execute(sa_select(users.c.login).limit(1)).first()
        row = conn.execute(
            sa_select(users.c.role, users.c.active).where(users.c.login == login)
        ).first()
    if anyone is None or (row is not None and row.active and row.role == "manager"):
        return
    raise Forbidden(
        _(
            "Login {login!r} is not an active manager of this database: only a manager may "
            "upgrade it (run init with --user and a manager's login)."
        ).format(login=login)
    )


def initialize(engine: Engine, login: str) -> bool:
    """Upgrade and install defaults; the login that creates the database is its first
    manager, and only an active manager may upgrade it later. Returns True when the
    database was new. Safe to run again."""
    require_upgrader(engine, login)
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
