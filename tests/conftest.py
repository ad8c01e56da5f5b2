"""Databases for the tests: the engine suite runs on SQLite and on PostgreSQL.

PostgreSQL comes from RECOUVREMENT_TEST_PG_URL (a server URL; each test gets a database of
its own, copied from a migrated template). Without it the PostgreSQL half is skipped, except
under CI=true, where a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import filecmp
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import textual._wait as textual_wait
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from engine.bootstrap import initialize
from engine.context import Ctx
from engine.i18n import set_language
from models.db import LOCK_TIMEOUT_ENV, make_engine, session_factory, transaction

MANAGER = "boss"
PG_ENV = "RECOUVREMENT_TEST_PG_URL"
_counter = itertools.count()

set_language("en")

# Pilot tests: Textual waits for the app to go idle after each key (twice) and in every
# ``pilot.pause()``, by sleeping 20 ms at a time until a 20 ms sleep saw under 1 ms of CPU.
# That is at least 40 ms of nothing per key, most of a pilot test's time once Textual is
# quick. The same rule at a 2 ms grain (idle: under 0.2 ms of CPU in 2 ms) waits for the
# same work and wastes a tenth. Private names, hence Textual's pinned minor version;
# tests/test_textual_bindings.py fails if they go.
textual_wait.SLEEP_GRANULARITY = 0.002
textual_wait.SLEEP_IDLE = 0.0002


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than the cores. A worker is often waiting (a pilot test
    for the app to go idle, a PostgreSQL round trip, a child process): the extra one keeps
    both cores busy meanwhile (2 cores: 112 s with 2 workers, 99 s with 3, 104 s with 4).
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` and ``-n logical`` keep xdist's own meaning."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses == "logical":
        return None  # xdist decides
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


@dataclass
class TestDB:
    __test__ = False
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    template: Path | None = None  # the file this SQLite database was copied from

    @contextmanager
    def ctx(self, today: dt.date | str = "2026-03-02", login: str = MANAGER) -> Iterator[Ctx]:
        """One committed unit of work, as a CLI command or a TUI worker does it."""
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        with transaction(self.factory) as session:
            yield Ctx.load(session, login, today)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            yield session


def _pg_server_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: under CI=true PostgreSQL is required")
        return None
    return url


def _admin(url: str) -> Engine:
    return create_engine(
        make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


# Test databases are reused (one SQLite file per worker copied over again, two PostgreSQL
# databases per worker taking turns), and so are their engines, the test's and those of the
# commands it runs: SQLAlchemy keeps compiled statements per engine, and a new engine per
# test or per command compiled every statement again (about a tenth of the suite's time).
# Each test still gets its own connections: the engines are disposed of (their pools
# closed) when it ends. One per database and lock timeout, which the engine's connections
# are given when made.
_kept_engines: dict[str, Engine] = {}


def _kept_engine(url: str) -> Engine:
    key = f"{url}|{os.environ.get(LOCK_TIMEOUT_ENV, '')}"
    engine = _kept_engines.get(key)
    if engine is None:
        engine = _kept_engines[key] = make_engine(url)
    return engine


@pytest.fixture(autouse=True)
def shared_command_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Commands run through ``tui.cli.main`` within one test share one engine per database,
    as a long-lived process would, and with the test itself (see _kept_engines): a new engine
    per command starts with an empty statement cache (~5 ms a command) and, on PostgreSQL, a
    new connection. A module that shares engines across its tests already
    (tests/test_bad_inputs.py) keeps its own."""
    import models.db

    make = models.db.make_engine
    if getattr(make, "shared", False):
        yield
        return
    used: list[Engine] = []

    def shared(url: str | None = None, **kwargs: Any) -> Engine:
        if kwargs or url is None:
            return make(url, **kwargs)
        engine = _kept_engine(url)
        used.append(engine)
        return engine

    shared.shared = True  # type: ignore[attr-defined]
    monkeypatch.setattr(models.db, "make_engine", shared)
    yield
    for engine in used:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(str(path))
    initialize(engine, MANAGER)
    engine.dispose()
    return path


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every process of this run: under pytest-xdist each worker has
    a base folder of its own (``popen-gwN``) inside the run's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory,
    template: Path,
    name: str,
    build: Callable[[Engine], None],
) -> Path:
    """A SQLite file made once per run, whatever the number of workers: ``build`` fills a
    copy of ``template``; the first worker to ask builds it, the others wait for it (a lock
    on the run's shared folder) and reuse it. Copy the returned file before writing to it."""
    folder = run_folder(tmp_path_factory) / "built_once"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.sqlite3"
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            work = folder / f"{name}.building"
            shutil.copy(template, work)
            engine = make_engine(str(work))
            try:
                build(engine)
            finally:
                engine.dispose()
            # One file, the write-ahead log folded in, so that a plain copy is complete.
            source, target = sqlite3.connect(work), sqlite3.connect(path)
            with target:
                source.backup(target)
            source.close()
            target.close()
            for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
                leftover.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str] | None]:
    url = _pg_server_url()
    if url is None:
        yield None
        return
    admin = _admin(url)
    name = f"rcv_tpl_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {url} is not reachable: {exc}")
        yield None
        return
    template_url = make_url(url).set(drivername="postgresql+psycopg", database=name)
    engine = make_engine(template_url.render_as_string(hide_password=False))
    initialize(engine, MANAGER)
    raw = engine.raw_connection()  # the driver's own: the SQL's % are not placeholders
    try:
        raw.cursor().execute(_PRISTINE_SQL)
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    yield url, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this worker's test database lives, copied anew from the template for each test."""
    return tmp_path_factory.mktemp("db")


def _sqlite_db(template: Path, folder: Path) -> Iterator[TestDB]:
    path = folder / "test.sqlite3"
    engine = _kept_engine(str(path))
    engine.dispose()
    # A new file (a new inode), not the old one written over: a connection the last test
    # left open keeps the old file, and its locks, to itself.
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(template, path)
    yield TestDB(str(path), engine, session_factory(engine), template)
    engine.dispose()


def seeded_copy(db: TestDB, seed: Callable[[TestDB], None], cache: dict[Path, Path]) -> None:
    """``seed(db)``, or on a SQLite database still as copied from its template, a copy of
    what ``seed`` made the first time in this process (``cache``: template → seeded file).
    Per process: the factories number their keys per process, so a file seeded by another
    worker could hold the keys this one hands out next."""
    if db.template is None:  # PostgreSQL, or a database made by hand
        seed(db)
        return
    path = Path(db.url)
    db.engine.dispose()  # the last connection closed folds the write-ahead log in
    pristine = not Path(f"{path}-wal").exists() and filecmp.cmp(path, db.template, False)
    seeded = cache.get(db.template)
    if pristine and seeded is not None:
        shutil.copy(seeded, path)
        return
    seed(db)
    if pristine:
        db.engine.dispose()
        target = Path(tempfile.mkdtemp(prefix="seeded")) / "seeded.sqlite3"
        source, copy = sqlite3.connect(path), sqlite3.connect(target)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        cache[db.template] = target


# Each test database keeps a copy of what the template holds, and a function that puts it
# back: a used database is reset in ~10 ms where a new copy of the template costs ~0.5 s of
# server disk work. Superuser only (foreign keys are not checked while the rows go back in,
# whatever their order); elsewhere a reset fails and the database is dropped and copied anew.
_PRISTINE_SQL = """
CREATE SCHEMA test_pristine;
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables
           WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('CREATE TABLE test_pristine.%I AS TABLE public.%I', t, t);
  END LOOP;
END $$;
CREATE TABLE test_pristine.sequence_state (name text, last_value bigint, is_called boolean);
DO $$
DECLARE s text; v bigint; c boolean;
BEGIN
  FOR s IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('SELECT last_value, is_called FROM public.%I', s) INTO v, c;
    INSERT INTO test_pristine.sequence_state VALUES (s, v, c);
  END LOOP;
END $$;
CREATE FUNCTION test_pristine.reset() RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text; r record;
BEGIN
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid();
  SET LOCAL session_replication_role = replica;
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'test_pristine'
           AND tablename <> 'sequence_state' LOOP
    EXECUTE format('DELETE FROM public.%I', t);
    EXECUTE format('INSERT INTO public.%I SELECT * FROM test_pristine.%I', t, t);
  END LOOP;
  FOR r IN SELECT * FROM test_pristine.sequence_state LOOP
    PERFORM setval(format('public.%I', r.name), r.last_value, r.is_called);
  END LOOP;
END $$;
"""


class _PgDatabases:
    """Databases for the tests of one worker, each ready before it is asked for: two copies of
    the template taking turns, the one just used being reset (in a thread of its own) while
    the other serves the next test."""

    def __init__(self, server: str, template: str) -> None:
        self.server, self.template = server, template
        self.admin = _admin(server)
        self.worker = ThreadPoolExecutor(max_workers=1)  # one at a time, in order
        self.ready: list[Future[str]] = []
        self.resetters: dict[str, Engine] = {}

    def _create(self) -> str:
        name = f"rcv_t_{os.getpid()}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
            # Test data need not survive a power cut: commits skip waiting for the disk.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        return name

    def _reset(self, name: str) -> str:
        engine = self.resetters.get(name)
        if engine is None:
            url = make_url(self.server).set(drivername="postgresql+psycopg", database=name)
            engine = self.resetters[name] = create_engine(url, pool_size=1)
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT test_pristine.reset()"))
            return name
        except Exception:  # not a superuser, or the test left the database unusable
            engine.dispose()
            del self.resetters[name]
            self._drop(name)
            return self._create()

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        if not self.ready:
            self.ready.append(self.worker.submit(self._create))
        name = self.ready.pop(0).result()
        if not self.ready:  # the second of the pair, made while this test runs
            self.ready.append(self.worker.submit(self._create))
        return name

    def give_back(self, name: str) -> None:
        self.ready.append(self.worker.submit(self._reset, name))

    def close(self) -> None:
        names = [future.result() for future in self.ready]
        for engine in self.resetters.values():
            engine.dispose()
        for name in names:
            self.worker.submit(self._drop, name)
        self.worker.shutdown(wait=True)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases(pg_template: tuple[str, str] | None) -> Iterator[_PgDatabases | None]:
    if pg_template is None:
        yield None
        return
    databases = _PgDatabases(*pg_template)
    yield databases
    databases.close()


def _pg_db(databases: _PgDatabases) -> Iterator[TestDB]:
    name = databases.take()
    url = make_url(databases.server).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    engine = _kept_engine(rendered)
    yield TestDB(rendered, engine, session_factory(engine))
    engine.dispose()
    databases.give_back(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest,
    sqlite_folder: Path,
    sqlite_template: Path,
) -> Iterator[TestDB]:
    """A fresh, initialised database on each backend."""
    if request.param == "sqlite":
        yield from _sqlite_db(sqlite_template, sqlite_folder)
    else:
        databases = request.getfixturevalue("pg_databases")
        if databases is None:
            pytest.skip(f"PostgreSQL not configured ({PG_ENV})")
        yield from _pg_db(databases)


@pytest.fixture
def sqlite_db(sqlite_folder: Path, sqlite_template: Path) -> Iterator[TestDB]:
    yield from _sqlite_db(sqlite_template, sqlite_folder)
