"""Work that must not run twice at the same time waits its turn.

Two imports of the same file side by side would both find its lines missing and both insert
them: on PostgreSQL the second then fails on the unique index (a crash, not an answer). An
import therefore waits for any other to end before it reads what is stored, and then finds
the lines there ("nothing to add"). On PostgreSQL this is a transaction-level advisory lock,
released by the commit or rollback; SQLite needs nothing, since every writing unit of work
starts with ``BEGIN IMMEDIATE`` and writers already run one after the other.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# Keys of the advisory locks (any fixed 64-bit numbers, one per kind of work).
IMPORTS = 0x7263_7601  # "rcv" + 1: imports of accounting entries


def wait_turn(session: Session, key: int) -> None:
    """Wait until no other transaction holds ``key``, then hold it until this one ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
