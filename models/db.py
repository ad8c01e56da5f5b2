"""Database set-up: one SQLAlchemy engine for SQLite or PostgreSQL, sessions, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

import models.tables  # noqa: F401  (registers the tables on the metadata)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("recouvrement", appauthor=False) / "recouvrement.sqlite3"


def normalize_url(url_or_path: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain SQLite file path (CLI.md's ``--db``)."""
    value = url_or_path or os.environ.get("RECOUVREMENT_DB") or str(default_db_path())
    if "://" in value:
        url = make_url(value)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    path = Path(value).expanduser().absolute()
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling off: it would start a transaction only at the
    # first write, so a command's reads would not be part of it. _sqlite_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock when a unit of work starts: two commands that read then
    # write (open a dossier, mark an intervention done) run one after the other instead of
    # both acting on what they read. In WAL mode readers are never blocked by it; read-only
    # units ask for a plain BEGIN (see transaction(write=False)).
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url_or_path: str | None = None, **kwargs: Any) -> Engine:
    url = normalize_url(url_or_path)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # prepare_threshold=None: psycopg would otherwise prepare a statement after five runs and
    # keep a plan made while a table was nearly empty (seen: a re-import going from 3 s to 81 s).
    return create_engine(
        url, pool_pre_ping=True, connect_args={"prepare_threshold": None}, **kwargs
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], write: bool = True) -> Iterator[Session]:
    """One short unit of work: commit on success, roll everything back on any error.

    ``write=False`` for units that only read: on SQLite they do not wait for writers.
    """
    session = factory()
    if not write:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
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


def is_initialized(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")
