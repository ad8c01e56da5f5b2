"""The TUI's door to the engine: one short unit of work per call, in a worker thread.

Screens call ``read``/``write`` from ``@work(thread=True)`` workers and get plain dicts and
lists back (engine.reads.views, engine.reads.dossier_list): no widget ever holds an ORM
object or a session.

The database layer (SQLAlchemy, the models, the engine services) is imported by the first
call, in a worker, not when the app starts: the first screen paints without waiting for it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.access import Actor
    from engine.context import Ctx

T = TypeVar("T")


class Backend:
    def __init__(self, engine: Engine | Callable[[], Engine], login: str, today: dt.date) -> None:
        """``engine`` may be a function that makes it, called once, by the first read."""
        self._engine = engine
        self._factory: Any = None
        self._lock = threading.Lock()
        self.login = login
        self.today = today
        self.actor: Actor | None = None  # who acts, as the last unit of work found it

    @property
    def factory(self) -> Any:
        with self._lock:
            if self._factory is None:
                from models.db import session_factory

                engine = self._engine
                self._engine = engine = engine() if callable(engine) else engine
                self._factory = session_factory(engine)
            return self._factory

    def read(self, work: Callable[[Ctx], T]) -> T:
        """Run ``work`` in a read-only unit of work (never waits for a writer)."""
        return self._unit(work, write=False)

    def write(self, work: Callable[[Ctx], T], wait: float | None = None) -> T:
        """Run ``work`` in a unit of work that commits, or rolls back whole on any error;
        ``wait``: seconds it may wait for its turn behind another writer (an import behind
        another, engine.turns), when that is longer than the lock timeout."""
        return self._unit(work, write=True, wait=wait)

    def _unit(self, work: Callable[[Ctx], T], write: bool, wait: float | None = None) -> T:
        """A database error a person can act on (a lock held too long, a value refused)
        becomes a refusal in one sentence, never the statement: screens show it as any other."""
        from sqlalchemy.exc import StatementError

        from engine.context import Ctx
        from engine.db_errors import user_message
        from engine.errors import UserError
        from models.db import transaction

        try:
            with transaction(self.factory, write=write, wait=wait) as session:
                ctx = Ctx.load(session, self.login, self.today)
                self.actor = ctx.actor  # screens show the keys of what it may do
                return work(ctx)
        except StatementError as exc:
            message = user_message(exc)
            if message is None:
                raise
            raise UserError(message) from exc
