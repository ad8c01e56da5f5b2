"""The TUI's door to the engine: one short unit of work per call, in a worker thread.

Screens call ``read``/``write`` from ``@work(thread=True)`` workers and get plain dicts and
lists back (engine.views, engine.lists): no widget ever holds an ORM object or a session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from engine.context import Ctx
from models.db import session_factory, transaction

T = TypeVar("T")


class Backend:
    def __init__(self, engine: Engine, login: str, today: dt.date) -> None:
        self.engine = engine
        self.factory = session_factory(engine)
        self.login = login
        self.today = today

    def read(self, work: Callable[[Ctx], T]) -> T:
        """Run ``work`` in a read-only unit of work (never waits for a writer)."""
        with transaction(self.factory, write=False) as session:
            return work(Ctx.load(session, self.login, self.today))

    def write(self, work: Callable[[Ctx], T]) -> T:
        """Run ``work`` in a unit of work that commits, or rolls back whole on any error."""
        with transaction(self.factory) as session:
            return work(Ctx.load(session, self.login, self.today))
