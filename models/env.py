"""What the environment says about the database, read without the database layer (the
TUI's start-up process reads it before SQLAlchemy is imported, see tui.startup): where the
database is by default and how long a lock is waited for."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "RECOUVREMENT_DB"
LOCK_TIMEOUT_ENV = "RECOUVREMENT_LOCK_TIMEOUT"
LOCK_TIMEOUT = 10.0  # seconds a unit of work waits for a lock another one holds
# The newest migration (models/migrations/versions): a database at another revision is
# refused with what to do, rather than failing on a missing table or column.
# tests/test_migrations.py holds it to Alembic's head.
SCHEMA_REVISION = "0011"


def lock_timeout() -> float:
    """Seconds to wait for a lock: ``RECOUVREMENT_LOCK_TIMEOUT`` or 10 (ValueError when the
    variable is not a number of seconds from 0.001 to 3600)."""
    value = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not value:
        return LOCK_TIMEOUT
    seconds = float(value)
    if not 0.001 <= seconds <= 3600:
        raise ValueError(value)
    return seconds


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("recouvrement", appauthor=False) / "recouvrement.sqlite3"


def given_db(value: str | None) -> str:
    """The ``--db`` value in force: the option, else ``RECOUVREMENT_DB``, else the default
    file (a SQLite path or a URL, not yet checked)."""
    return value or os.environ.get(DB_ENV) or str(default_db_path())


def sqlite_file(value: str) -> Path | None:
    """The file a plain path names (``--db ~/recouvrement.sqlite3``); None for a URL."""
    if "://" in value:
        return None
    return Path(value).expanduser().absolute()
