"""The database opened with its driver alone (sqlite3, psycopg), for the start-up process.

Importing SQLAlchemy, SQLModel and the models takes ~0.5–0.9 s here, longer than starting
Textual and painting: the start-up process reads the first screenful without them. It makes
the checks every command makes — the database exists and is initialised, the login is one
it knows and has active — with the driver too.

Only the plain cases are decided here: a SQLite file or a PostgreSQL URL, initialised, and a
login it lets in. Anything else (no file, not initialised, a login refused, an unusual URL,
a bad ``RECOUVREMENT_LOCK_TIMEOUT``, a driver error…) gives None, and the caller goes the
command line's way (``tui.cli.Runtime``), which refuses in the command line's own words or
reads with the ORM.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from models.env import SCHEMA_REVISION, given_db, lock_timeout, sqlite_file

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# --db URLs this module opens itself (the ones models.db.normalize_url makes psycopg's).
POSTGRESQL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass
class Driver:
    """One open DB-API connection, in a read-only transaction; statements are written with
    ``?`` placeholders whatever the backend."""

    connection: Any
    dialect: str  # SQLITE | POSTGRESQL

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self.dialect == POSTGRESQL:
            sql = sql.replace("?", "%s")
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.rollback()  # it only read
        self.connection.close()


def _sqlite(path: Path, timeout: float) -> Driver | None:
    import sqlite3

    # A file that exists and may be written: anything else (a folder, a read-only file,
    # nothing there) the command line's way says, or opens read-only as models.db does.
    if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
        return None
    connection = sqlite3.connect(
        f"file:{quote(str(path))}?mode=rw",  # never creates a file
        uri=True,
        timeout=timeout,
        isolation_level=None,
        check_same_thread=False,
    )
    # One snapshot for the rows, the count and the totals; a reader never waits for a writer.
    connection.execute("BEGIN DEFERRED")
    return Driver(connection, SQLITE)


def _postgresql(url: str, timeout: float) -> Driver | None:
    import psycopg

    # libpq reads the same URL (user, password, host, port, database, its own options);
    # one it does not understand fails here and goes the command line's way.
    conninfo = "postgresql://" + url.split("://", 1)[1]
    connection = psycopg.connect(conninfo, options=f"-c lock_timeout={round(timeout * 1000)}")
    connection.read_only = True
    return Driver(connection, POSTGRESQL)


def _open(value: str, timeout: float) -> Driver | None:
    path = sqlite_file(value)
    if path is not None:
        return _sqlite(path, timeout)
    scheme, rest = value.split("://", 1)
    if scheme == "sqlite" and rest.startswith("/") and not set(rest) & set("?%#"):
        return _sqlite(Path(rest[1:]), timeout)  # sqlite:///path, as SQLAlchemy reads it
    if scheme in POSTGRESQL_SCHEMES:
        return _postgresql(value, timeout)
    return None


def _ready(driver: Driver, login: str) -> bool:
    """Initialised (``init`` made its migration table) and the login let in as
    ``engine.access.authenticate`` lets it in: a user known and active, or any login when
    ``open_access`` is on (a boolean setting is stored as ``true`` or ``false``)."""
    if driver.dialect == SQLITE:
        tables = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    else:
        tables = "SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL"
    if not driver.rows(tables):
        return False
    revision = driver.rows("SELECT version_num FROM alembic_version")
    if not revision or revision[0][0] != SCHEMA_REVISION:
        return False  # the command line says what to do with it
    user = driver.rows("SELECT active FROM app_user WHERE login = ?", (login,))
    if user:
        return bool(user[0][0])
    open_access = driver.rows("SELECT value FROM setting WHERE key = 'open_access'")
    return bool(open_access) and open_access[0][0] == "true"


@contextlib.contextmanager
def checked(db: str | None, login: str) -> Iterator[Driver | None]:
    """The database of ``--db`` (or the environment's, or the default file) open with its
    driver, when it and ``login`` pass the command line's checks; else None: go the
    command line's way. Closed on leaving."""
    driver = None
    try:
        if db is not None and not db.strip():
            raise ValueError(db)  # the command line says what is wrong with it
        driver = _open(given_db(db), lock_timeout())
        ready = driver is not None and _ready(driver, login)
    except Exception:  # whatever it is, the command line's way names it
        ready = False
    if driver is not None and not ready:
        driver.close()
        driver = None
    try:
        yield driver
    finally:
        if driver is not None:
            driver.close()
