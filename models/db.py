"""Database set-up: one SQLAlchemy engine for SQLite or PostgreSQL, sessions, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

import models.tables  # noqa: F401  (registers the tables on the metadata)
from models.env import (  # noqa: F401  (LOCK_TIMEOUT_ENV, default_db_path: re-exported)
    LOCK_TIMEOUT,
    LOCK_TIMEOUT_ENV,
    default_db_path,
    given_db,
    lock_timeout,
    sqlite_file,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url_or_path: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain SQLite file path (docs/COMMANDS.md's ``--db``)."""
    value = given_db(url_or_path)
    path = sqlite_file(value)
    if path is not None:
        return f"sqlite:///{path}"
    url = make_url(value)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///path`` or ``sqlite:///file:path?...&uri=true``),
    None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if parsed.query.get("uri") and database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def sqlite_read_only(url: str) -> bool:
    """Whether SQLite can only read this database: a ``mode=ro`` URL, a file this process
    may not write, or a folder where the WAL's side files (-wal, -shm) cannot be made."""
    path = sqlite_path(url)
    if path is None:
        return False
    if make_url(url).query.get("mode") == "ro":
        return True
    if not path.exists():
        return False
    if not os.access(path, os.W_OK):
        return True
    sides = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    if all(side.exists() for side in sides):
        return not all(os.access(side, os.W_OK) for side in sides)
    return not os.access(path.parent, os.W_OK)


def _read_only_url(path: Path) -> str:
    """SQLite's read-only URI for ``path``. Where the -shm file cannot be made (a read-only
    folder) the file is opened as immutable: nobody can be writing it there."""
    shm = Path(f"{path}-shm")
    immutable = "" if shm.exists() or os.access(path.parent, os.W_OK) else "&immutable=1"
    return f"sqlite:///file:{quote(str(path))}?mode=ro{immutable}&uri=true"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling off: it would start a transaction only at the
    # first write, so a command's reads would not be part of it. _sqlite_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout() * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock when a unit of work starts: two commands that read then
    # write (open a dossier, mark an intervention done) run one after the other instead of
    # both acting on what they read. In WAL mode readers are never blocked by it; read-only
    # units ask for a plain BEGIN (see transaction(write=False)).
    options = connection.get_execution_options()
    mode = options.get("sqlite_begin", "IMMEDIATE")
    wait = options.get("sqlite_wait")
    if wait is None:
        connection.exec_driver_sql(f"BEGIN {mode}")
        return
    # A unit of work that may wait longer than the lock timeout for its turn (an import
    # behind another): the longer busy timeout holds for its BEGIN only.
    connection.exec_driver_sql(f"PRAGMA busy_timeout={round(wait * 1000)}")
    try:
        connection.exec_driver_sql(f"BEGIN {mode}")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={round(lock_timeout() * 1000)}")


def make_engine(url_or_path: str | None = None, **kwargs: Any) -> Engine:
    url = normalize_url(url_or_path)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and sqlite_read_only(url) and make_url(url).query.get("mode") != "ro":
            url = _read_only_url(path)  # reads still work where the file cannot be written
        engine = create_engine(url, connect_args={"timeout": lock_timeout()}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # prepare_threshold=None: psycopg would otherwise prepare a statement after five runs and
    # keep a plan made while a table was nearly empty (seen: a re-import going from 3 s to 81 s).
    # lock_timeout: a row another unit of work holds (a dossier being changed) is waited for
    # as long as SQLite's busy timeout, then the statement fails with SQLSTATE 55P03.
    wait = f"-c lock_timeout={round(lock_timeout() * 1000)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None, "options": wait},
        **kwargs,
    )


def session_factory(engine: Engine | Connection) -> sessionmaker[Session]:
    """Sessions on ``engine``; on a connection, they join its transaction (their commit
    leaves it to the connection's owner)."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


@contextmanager
def transaction(
    factory: sessionmaker[Session], write: bool = True, wait: float | None = None
) -> Iterator[Session]:
    """One short unit of work: commit on success, roll everything back on any error.

    ``write=False`` for units that only read: on SQLite they do not wait for writers.
    ``wait``: seconds a writing unit may wait on SQLite for the other writer to end, when
    that is longer than the lock timeout (imports take their turn, see engine.turns).
    """
    session = factory()
    if not write:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
    elif wait is not None:
        session.connection(execution_options={"sqlite_wait": wait})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def refresh_statistics(connection: Connection) -> None:
    """Fresh planner statistics. Without them SQLite picked the (status, planned) index for a
    per-dossier lookup and listing 64,000 dossiers took minutes instead of a second."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("PRAGMA analysis_limit=1000"))  # samples: ~0.5 s on 1M rows
        connection.execute(text("ANALYZE"))
    else:
        connection.execute(text("ANALYZE"))


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # only init needs Alembic: keep other commands quick

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: not initialised). A read."""
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])


def is_initialized(engine: Engine) -> bool:
    """Whether ``init`` has run here. A read: on SQLite it never waits for a writer."""
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as connection:
        return inspect(connection).has_table("alembic_version")
