"""Database errors said in one clear sentence, never with the statement or its values.

A driver's own text quotes the SQL and, on PostgreSQL, the values that failed (a 100 KB
note included). What reaches a person is decided here from the error's class and its
SQLSTATE (PostgreSQL) or result code (SQLite) only; the full text goes to the crash log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from engine.errors import UserError
from engine.i18n import _

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8


class Busy(UserError):
    """A lock held by another change outlasted the wait: nothing was written, try again."""


def check_lock_timeout() -> float:
    """The lock wait in force (``RECOUVREMENT_LOCK_TIMEOUT``), or one line saying what is
    expected of that variable."""
    from models.db import LOCK_TIMEOUT_ENV, lock_timeout

    try:
        return lock_timeout()
    except ValueError:
        raise UserError(
            _("Invalid {name} {value!r}: expected a number of seconds from 0.001 to 3600.").format(
                name=LOCK_TIMEOUT_ENV, value=os.environ.get(LOCK_TIMEOUT_ENV, "")
            )
        ) from None


def _original(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def sqlstate(exc: BaseException) -> str:
    """PostgreSQL's five-character code of the error ('' when there is none)."""
    return str(getattr(_original(exc), "sqlstate", None) or "")


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(_original(exc), "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_lock_timeout(exc: BaseException) -> bool:
    """A lock wait that ran out: PostgreSQL's lock_timeout, SQLite's busy timeout."""
    if sqlstate(exc) == "55P03":
        return True
    return _sqlite_code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def busy_message() -> str:
    return _("The database is busy with another change; try again.")


@contextmanager
def waiting_for(what: str) -> Iterator[None]:
    """Statements in this block wait for a lock on ``what`` (e.g. "Dossier D000123"): a wait
    that runs out says who waits for what."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        if is_lock_timeout(exc):
            raise Busy(
                _("{what} is being changed by someone else; try again.").format(what=what)
            ) from exc
        raise


def user_message(exc: BaseException) -> str | None:
    """One sentence for a database error a person can act on, or None for a bug.

    Never built from ``str(exc)``: only the error's class and code are read.
    """
    from sqlalchemy.exc import DBAPIError, StatementError

    if not isinstance(exc, StatementError):
        return None
    orig = _original(exc)
    state = sqlstate(exc)
    if isinstance(orig, OverflowError):  # SQLite: a whole number past 2^63
        return _("A number is out of range for the database: nothing was written.")
    if not isinstance(exc, DBAPIError):
        return None
    name = type(exc).__name__
    if is_lock_timeout(exc):
        return busy_message()
    if state in ("40001", "40P01"):  # serialization failure, deadlock
        return _("Another change was saved at the same time: nothing was written; try again.")
    if state.startswith("22") or name == "DataError":
        if state == "22001":
            return _("A text is too long for the database: nothing was written.")
        if state in ("22003", "22008"):
            return _("A number or a date is out of range for the database: nothing was written.")
        if state in ("22021", "22P05"):
            return _("A text holds a character the database cannot store: nothing was written.")
        return _("A value was refused by the database: nothing was written.")
    if name == "IntegrityError":
        return _(
            "The change clashes with data saved meanwhile (a duplicate or a missing record): "
            "nothing was written; try again."
        )
    if _sqlite_code(exc) == _SQLITE_READONLY or state == "25006":
        return _("The database is read-only: this change cannot be saved.")
    if name == "OperationalError":
        if state.startswith("08") or (not state and _sqlite_code(exc) is None):
            # Cannot connect: the driver's reason (host, port, refusal) holds no statement.
            reason = "; ".join(line.strip() for line in str(orig).splitlines()[:2] if line.strip())
            return _("Cannot use the database: {error}").format(error=reason)
        if state == "57014":  # a statement cancelled (statement_timeout, Ctrl-C)
            return _("The database stopped the command: nothing was written; try again.")
        if state.startswith("53"):  # disk full, out of memory, too many connections
            return _("The database server is out of resources: nothing was written.")
        if _sqlite_code(exc) == 13:  # SQLITE_FULL
            return _("The disk is full: nothing was written.")
        if _sqlite_code(exc) in (10, 14, 26):  # I/O error, cannot open, not a database
            return _("Cannot use the database: {error}").format(
                error=str(orig).splitlines()[0] if str(orig) else name
            )
    return None
