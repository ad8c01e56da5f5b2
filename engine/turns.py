"""Work that must not run twice at the same time waits its turn.

Two imports of the same file side by side would both find its lines missing and both insert
them: on PostgreSQL the second then fails on the unique index (a crash, not an answer). An
import therefore waits for any other to end before it reads what is stored, and then finds
the lines there ("nothing to add"). On PostgreSQL this is a transaction-level advisory lock,
released by the commit or rollback; SQLite needs nothing, since every writing unit of work
starts with ``BEGIN IMMEDIATE`` and writers already run one after the other.

An import may take minutes, longer than the lock timeout that bounds a wait for a dossier:
waiting its turn is bounded by :data:`TURN_WAIT` instead (the command line gives SQLite's
``BEGIN`` the same bound, ``models.db.transaction(wait=...)``).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# Keys of the advisory locks (any fixed 64-bit numbers, one per kind of work).
IMPORTS = 0x7263_7601  # "rcv" + 1: imports of accounting entries
TURN_WAIT = 600.0  # seconds: an import behind a long one waits, it does not fail


def wait_turn(session: Session, key: int) -> None:
    """Wait until no other transaction holds ``key``, then hold it until this one ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # SET LOCAL: for this transaction only; the usual bound comes back for what follows.
    previous = session.execute(text("SHOW lock_timeout")).scalar_one()
    session.execute(text(f"SET LOCAL lock_timeout = {round(TURN_WAIT * 1000)}"))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    session.execute(text("SELECT set_config('lock_timeout', :value, true)"), {"value": previous})
