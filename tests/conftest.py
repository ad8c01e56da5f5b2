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

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from engine.bootstrap import initialize
from engine.context import Ctx
from engine.i18n import set_language
from models.db import make_engine, session_factory, transaction

MANAGER = "boss"
PG_ENV = "RECOUVREMENT_TEST_PG_URL"
_counter = itertools.count()

set_language("en")


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
    engine.dispose()
    yield url, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_db(template: Path, tmp_path: Path) -> Iterator[TestDB]:
    path = tmp_path / "test.sqlite3"
    shutil.copy(template, path)
    engine = make_engine(str(path))
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


class _PgDatabases:
    """Copies of the template, one per test, made one test ahead and dropped behind, in a
    thread of their own: creating a database (about 0.5 s, mostly the server writing to
    disk) overlaps the previous test instead of adding to it."""

    def __init__(self, server: str, template: str) -> None:
        self.server, self.template = server, template
        self.admin = _admin(server)
        self.worker = ThreadPoolExecutor(max_workers=1)  # one at a time: the template
        self.next: Future[str] | None = None

    def _create(self) -> str:
        name = f"rcv_t_{os.getpid()}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
            # Test data need not survive a power cut: commits skip waiting for the disk.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        name = (self.next or self.worker.submit(self._create)).result()
        self.next = self.worker.submit(self._create)
        return name

    def give_back(self, name: str) -> None:
        self.worker.submit(self._drop, name)

    def close(self) -> None:
        if self.next is not None:
            self.give_back(self.next.result())
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
    engine = make_engine(rendered)
    yield TestDB(rendered, engine, session_factory(engine))
    engine.dispose()
    databases.give_back(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
) -> Iterator[TestDB]:
    """A fresh, initialised database on each backend."""
    if request.param == "sqlite":
        yield from _sqlite_db(sqlite_template, tmp_path)
    else:
        databases = request.getfixturevalue("pg_databases")
        if databases is None:
            pytest.skip(f"PostgreSQL not configured ({PG_ENV})")
        yield from _pg_db(databases)


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[TestDB]:
    yield from _sqlite_db(sqlite_template, tmp_path)
