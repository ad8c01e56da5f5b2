"""The database as a source of trouble: readers never wait for writers, lock waits are
bounded and named, database-level bad input (the --db file, init, --user, ids) gets one
line and exit 2, database errors never show SQL or values, and the demo is all or nothing.

Both backends where the database is involved (the ``db`` fixture).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

import tui.cli
from engine.db_errors import user_message
from engine.dossiers import open_dossier
from engine.errors import UserError
from models.db import LOCK_TIMEOUT, LOCK_TIMEOUT_ENV, make_engine
from tests.conftest import MANAGER, TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import TODAY, Cli, dump
from tui.backend import Backend
from tui.cli import main, worklist
from tui.crash import crash_summary
from tui.startup.launch import prefetch_first_screen, tui_invocation
from tui.startup.messages import FirstCount, FirstRows, FirstTotals, Message

ROOT = Path(__file__).resolve().parent.parent
# The lock wait the tests set. The writer holds its lock until the readers are done, so a
# reader that waited would fail after it: succeeding is not waiting (no clock needed, which
# a busy machine would make lie).
WAIT = 3.0


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, str(WAIT))


def seed(db: TestDB) -> int:
    """A customer with an overdue invoice and one open dossier (D000001); its first
    intervention's id."""
    import datetime as dt

    from models.tables import Intervention

    with db.session() as session:
        customer = add_customer(session)
        add_entry(
            session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F1"
        )
    with db.ctx() as ctx:
        dossier = open_dossier(ctx, "CDUPONT", "Absence paiement - Recouv. amiable")
        assert dossier.number == "D000001"
        first = ctx.session.exec(
            select(Intervention).where(Intervention.dossier_id == dossier.id)
        ).first()
        assert first is not None and first.id is not None
        assert ctx.today == dt.date.fromisoformat(TODAY)
        return first.id


def is_sqlite(db: TestDB) -> bool:
    return db.engine.dialect.name == "sqlite"


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


@contextlib.contextmanager
def sqlite_writer(path: str) -> Iterator[sqlite3.Connection]:
    """A long import's hold on a SQLite file: BEGIN IMMEDIATE and a row, not committed."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO setting (key, value) VALUES ('held-by-a-writer', 'x')")
    try:
        yield conn
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        conn.close()


@contextlib.contextmanager
def holding(db: TestDB, dossier: str = "D000001") -> Iterator[None]:
    """Another unit of work holding a lock a change needs: the dossier's row on PostgreSQL,
    the write lock on SQLite."""
    if is_sqlite(db):
        with sqlite_writer(db.url):
            yield
        return
    engine = create_engine(db.url)
    with engine.connect() as conn:
        conn.execute(
            text("SELECT id FROM dossier WHERE number = :n FOR UPDATE"), {"n": dossier}
        ).all()
        yield
        conn.rollback()
    engine.dispose()


def timed(cli: Cli, *args: str, user: str = MANAGER) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code, out, err = cli(*args, user=user)
    return code, out, err, time.monotonic() - started


# --- readers never wait for writers ----------------------------------------------------------


READ_COMMANDS = [
    ("actions",),
    ("dossier", "show", "D000001"),
    ("dossier", "list"),
    ("customers", "list"),
    ("settings", "show"),
    ("scenario", "list"),
]


def test_readers_run_while_a_sqlite_import_holds_the_write_lock(
    sqlite_db: TestDB, capsys: pytest.CaptureFixture[str], short_waits: None
) -> None:
    seed(sqlite_db)
    cli = Cli(sqlite_db, capsys)
    expected = {args: cli(*args) for args in READ_COMMANDS}
    with sqlite_writer(sqlite_db.url) as writer:
        for args in READ_COMMANDS:
            code, out, err = cli(*args)
            assert (code, err) == (0, ""), args
            assert out == expected[args][1], args
        # The TUI's start-up process: the initialised check and the first screenful.
        messages: list[Message] = []
        tui_args = tui_invocation(["--db", sqlite_db.url, "--user", MANAGER, "--today", TODAY])
        assert tui_args is not None
        prefetch_first_screen(tui_args, messages.append)
        rows, count, totals = messages
        assert isinstance(rows, FirstRows) and isinstance(totals, FirstTotals)
        assert [row["number"] for row in rows.rows] == ["D000001"]
        assert count == FirstCount(1)
        # The TUI's read workers.
        backend = Backend(make_engine(sqlite_db.url), MANAGER, sqlite_db_today())
        assert backend.read(lambda ctx: ctx.actor.login) == MANAGER
        writer.execute("COMMIT")  # the writer was never in the readers' way, nor they in its
    code, out, _err = cli("settings", "show")
    assert code == 0


def sqlite_db_today() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(TODAY)


def test_the_initialised_check_is_a_read(
    sqlite_db: TestDB, capsys: pytest.CaptureFixture[str], short_waits: None
) -> None:
    from models.db import is_initialized

    with sqlite_writer(sqlite_db.url):
        assert is_initialized(make_engine(sqlite_db.url))


# --- a read-only SQLite database ------------------------------------------------------------


def test_read_only_sqlite_url_reads_and_names_the_file_on_a_change(
    sqlite_db: TestDB, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(sqlite_db)
    ro = Cli(sqlite_db, capsys)
    ro.db = TestDB(f"sqlite:///file:{sqlite_db.url}?mode=ro&uri=true", ro.db.engine, ro.db.factory)
    before = dump(sqlite_db)
    for args in READ_COMMANDS:
        code, _out, err = ro(*args)
        assert (code, err) == (0, ""), args
    code, _out, err = ro("settings", "set", "company_name", "X")
    assert code == 2
    assert err.strip() == (
        f"The database file {sqlite_db.url} is read-only: this change cannot be saved "
        "(commands that only read still work)."
    )
    code, _out, err = ro("init")
    assert code == 2 and sqlite_db.url in err and "read-only" in err
    assert dump(sqlite_db) == before


@pytest.fixture
def read_only_folder(tmp_path: Path, sqlite_template: Path) -> Iterator[Path]:
    """A database in a folder mounted read-only (no -wal, no -shm can be made there)."""
    source = tmp_path / "rw"
    source.mkdir()
    db = source / "ro.sqlite3"
    db.write_bytes(sqlite_template.read_bytes())
    target = tmp_path / "ro"
    target.mkdir()
    made = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(source), str(target)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a read-only folder here")
    try:
        yield target / "ro.sqlite3"
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_read_only_folder_reads_and_names_the_file_on_a_change(
    read_only_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(read_only_folder)
    assert not Path(f"{path}-shm").exists()
    code = main(["--db", path, "--user", MANAGER, "--today", TODAY, "settings", "show"])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert "open_access" in captured.out
    code = main(["--db", path, "--user", MANAGER, "settings", "set", "company_name", "X"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().startswith(f"The database file {path} is read-only")


# --- lock waits are bounded and say who holds what -------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("dossier", "edit", "D000001", "--reason", "late"),
        ("dossier", "pause", "D000001", "--until", "2026-03-20"),
        ("intervention", "done", "{first}"),
    ],
)
def test_a_change_waiting_for_a_locked_dossier_gives_up_and_says_so(
    db: TestDB, cli: Cli, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "0.2")
    first = seed(db)
    args = tuple(a.format(first=first) for a in args)
    before = dump(db)
    with holding(db):
        code, out, err, seconds = timed(cli, *args)
    assert code == 2, (out, err)
    expected = (
        "The database is busy with another change; try again."
        if is_sqlite(db)
        else "Dossier D000001 is being changed by someone else; try again."
    )
    assert err.strip() == expected
    assert seconds < LOCK_TIMEOUT  # gave up after the 0.2 s set, not the default wait
    assert dump(db) == before
    code, out, err = cli(*args)  # the lock gone, the same command goes through
    assert code == 0, err


def test_the_lock_wait_setting_is_checked(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "soon")
    code, _out, err = cli("actions")
    assert code == 2
    assert "RECOUVREMENT_LOCK_TIMEOUT 'soon'" in err and "seconds" in err


# --- database-level bad input ----------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("content", "command"),
    [
        (b"customer;amount\nCDUPONT;12\n", ("actions",)),
        (b"customer;amount\nCDUPONT;12\n", ("init",)),
        (b"SQLite format 3\x00" + b"\xff" * 4000, ("dossier", "list")),
        (b"SQLite format 3\x00" + b"\xff" * 4000, ("init",)),
    ],
    ids=["text-actions", "text-init", "corrupt-list", "corrupt-init"],
)
def test_db_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, command: tuple[str, ...]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    code, err = run(capsys, "--db", str(path), "--user", MANAGER, *command)
    assert code == 2
    assert one_line(err) == (
        f"Cannot use {path} as a database: it is not a SQLite database, or it is damaged; "
        "expected a SQLite database file made by `recouvrement init`."
    )
    assert path.read_bytes() == content


def test_db_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (("actions",), ("init",)):
        code, err = run(capsys, "--db", str(tmp_path), "--user", MANAGER, *command)
        assert code == 2
        assert one_line(err) == f"{tmp_path} is a folder: expected a SQLite database file."


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_db_is_refused(
    value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUVREMENT_DB", str(tmp_path / "never.sqlite3"))
    for command in (("init",), ("actions",)):
        code, err = run(capsys, "--db", value, "--user", MANAGER, *command)
        assert code == 2
        assert one_line(err).startswith(f"Invalid --db {value!r}: expected a SQLite file path")
    assert not (tmp_path / "never.sqlite3").exists()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/etc/hostname/x.sqlite3", "/etc/hostname is a file, not a folder"),
        ("/proc/recouvrement/x.sqlite3", ""),
        ("/proc/x.sqlite3", ""),
    ],
)
def test_init_where_the_file_cannot_be_made(
    capsys: pytest.CaptureFixture[str], path: str, reason: str
) -> None:
    if not Path(path).parent.parent.exists():
        pytest.skip(f"no {Path(path).parent.parent} here")
    code, err = run(capsys, "--db", path, "--user", MANAGER, "init")
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"Cannot create the database {path}: "), line
    assert reason in line
    assert "sqlite3" not in line.split(":", 1)[1] or path in line


@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_empty_user_is_refused(cli: Cli, value: str) -> None:
    before = dump(cli.db)
    code, _out, err = cli("actions", user=value)
    assert code == 2
    assert one_line(err) == f"Invalid --user {value!r}: expected a login such as mlefebvre."
    code, _out, err = cli("init", user=value)
    assert code == 2 and "Invalid --user" in err
    assert dump(cli.db) == before


def test_only_a_manager_upgrades_an_existing_database(cli: Cli) -> None:
    code, _out, err = cli("users", "add", "marie", "--role", "agent")
    assert code == 0, err
    code, _out, err = cli("users", "add", "old", "--role", "manager")
    code, _out, err = cli("users", "add", "old", "--role", "manager", "--inactive")
    assert code == 0, err
    before = dump(cli.db)
    for login in ("stranger", "marie", "old"):
        code, _out, err = cli("init", user=login)
        assert code == 2, login
        assert one_line(err) == (
            f"Login {login!r} is not an active manager of this database: only a manager may "
            "upgrade it (run init with --user and a manager's login)."
        )
    assert dump(cli.db) == before
    code, out, err = cli("init")  # a manager may
    assert code == 0 and "up to date" in out, err


def test_the_first_init_makes_anyone_its_manager(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "new.sqlite3")
    code, err = run(capsys, "--db", path, "--user", "anyone", "init")
    assert code == 0, err
    code, err = run(capsys, "--db", path, "--user", "anyone", "users", "list")
    assert code == 0, err


BAD_IDS = ["9999999999", "99999999999999999999", "2147483648", "0", "-1", "-9999999999", "1.5"]


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize(
    "command",
    [
        ("intervention", "done"),
        ("intervention", "skip"),
        ("intervention", "reschedule", "--date", "2026-03-03"),
    ],
)
def test_ids_out_of_range_are_refused(cli: Cli, value: str, command: tuple[str, ...]) -> None:
    before = dump(cli.db)
    code, _out, err = cli(*command[:2], value, *command[2:])
    assert code == 2
    line = one_line(err)
    assert f"Invalid intervention id {value!r}: expected a whole number from 1 to 2147483647." in (
        line
    )
    assert dump(cli.db) == before


def test_largest_id_is_simply_unknown(cli: Cli) -> None:
    code, _out, err = cli("intervention", "done", "2147483647")
    assert code == 2
    assert "2147483647" in one_line(err)


# --- database errors never show SQL or values ------------------------------------------------


LONG = "x" * 100_000


def _data_error(db: TestDB) -> DBAPIError:
    """A real error from the backend whose text quotes the statement and a 100 KB value."""
    statement = (
        "SELECT CAST(:value AS INTEGER)" if not is_sqlite(db) else "SELECT no_such_function(:value)"
    )
    with db.engine.connect() as conn:
        try:
            conn.execute(text(statement), {"value": LONG})
        except DBAPIError as exc:
            return exc
    raise AssertionError("no error")


def test_a_database_error_is_one_line_without_sql(
    db: TestDB, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = _data_error(db)
    assert "SELECT" in str(error) and "xxxx" in str(error)  # what must never be shown

    def failing(_rt: Any) -> None:
        raise error

    monkeypatch.setattr(worklist, "cmd_actions", failing)
    # A parser of its own, built with the failing handler (the shared one holds the real).
    monkeypatch.setattr(tui.cli, "_parser_in", functools.cache(tui.cli._parser_in.__wrapped__))
    code, out, err = cli("actions")
    assert "SELECT" not in out + err and "xxxxxxxx" not in out + err
    line = one_line(err)
    if is_sqlite(db):  # a bug (unknown function): exit 1, the crash log
        assert code == 1
        assert line.startswith("Unexpected error: OperationalError (details in ")
    else:
        assert code == 2
        assert line == "A value was refused by the database: nothing was written."


@pytest.mark.parametrize(
    ("sqlstate", "name", "expected"),
    [
        ("55P03", "OperationalError", "The database is busy with another change; try again."),
        ("40001", "OperationalError", "Another change was saved at the same time"),
        ("40P01", "OperationalError", "Another change was saved at the same time"),
        ("22003", "DataError", "A number or a date is out of range"),
        ("22001", "DataError", "A text is too long for the database"),
        ("22021", "DataError", "A text holds a character the database cannot store"),
        ("23505", "IntegrityError", "The change clashes with data saved meanwhile"),
    ],
)
def test_database_errors_by_code(sqlstate: str, name: str, expected: str) -> None:
    import sqlalchemy.exc

    class Orig(Exception):
        pass

    orig = Orig(f"ERROR: value {LONG}\nLINE 1: SELECT secret FROM app_user")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    error = getattr(sqlalchemy.exc, name)("SELECT secret FROM app_user", {"v": LONG}, orig)
    message = user_message(error)
    assert message is not None and message.startswith(expected)
    assert "SELECT" not in message and "xxx" not in message
    summary = crash_summary(error)
    assert "SELECT" not in summary and "xxx" not in summary


def test_tui_workers_turn_database_errors_into_refusals(sqlite_db: TestDB) -> None:
    import sqlalchemy.exc

    class Orig(Exception):
        sqlstate = "22001"

    def work(_ctx: Any) -> None:
        raise sqlalchemy.exc.DataError("INSERT INTO note VALUES (?)", (LONG,), Orig(LONG))

    backend = Backend(sqlite_db.engine, MANAGER, sqlite_db_today())
    with pytest.raises(UserError) as caught:
        backend.write(work)
    assert caught.value.message == "A text is too long for the database: nothing was written."


# --- the demo is all or nothing ---------------------------------------------------------------


def test_demo_killed_halfway_leaves_nothing_and_runs_again(
    db: TestDB, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump(db)
    env = {**os.environ, "RECOUVREMENT_LANG": "en"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "--db",
            db.url,
            "--user",
            MANAGER,
            "demo",
            "--size",
            # Ten batches (~150 customers, ~460 dossiers each): killed after the first,
            # while the second is still being written.
            "4600",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen: list[str] = []

    def killer() -> None:
        time.sleep(120)
        with contextlib.suppress(ProcessLookupError):
            process.kill()

    threading.Thread(target=killer, daemon=True).start()
    for line in process.stderr:
        seen.append(line)
        if "dossiers written" in line:  # past the people, the settings, the first batch
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, seen
    assert any("dossiers written" in line for line in seen), seen
    assert dump(db) == before
    code = main(["--db", db.url, "--user", MANAGER, "--today", TODAY, "demo", "--size", "300"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "300 dossiers" in captured.out


# --- the TUI: a failed worker never shows SQL -------------------------------------------------


def _statement_error(kind: str, sqlstate: str) -> Exception:
    import sqlalchemy.exc

    class Orig(Exception):
        pass

    orig = Orig(f"ERROR: {LONG}\nLINE 1: UPDATE app_user SET name = 'secret'")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    error: Exception = getattr(sqlalchemy.exc, kind)(
        "UPDATE app_user SET name = %(name)s", {"name": LONG}, orig
    )
    return error


@pytest.mark.parametrize(
    ("kind", "sqlstate", "expected"),
    [
        ("DataError", "22001", "A text is too long for the database: nothing was written."),
        ("ProgrammingError", "42601", "Unexpected error: Orig [42601] (details in "),
    ],
)
async def test_tui_worker_failures_show_no_sql(
    sqlite_db: TestDB, kind: str, sqlstate: str, expected: str
) -> None:
    from tui.app import RecouvrementApp
    from tui.screens.base import Base

    app = RecouvrementApp(sqlite_db.engine, MANAGER, sqlite_db_today())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, Base)

        def failing(_ctx: Any) -> None:
            raise _statement_error(kind, sqlstate)

        app.run_worker(
            lambda: screen.call_engine(failing, write=True), thread=True, exit_on_error=False
        )
        with contextlib.suppress(Exception):  # the worker failed: that is the point
            await app.workers.wait_for_complete()
        for _ in range(50):
            if app._notifications:
                break
            await pilot.pause(0.02)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith(expected) for m in messages), messages
        assert not any("UPDATE" in m or "xxxx" in m or "secret" in m for m in messages)
        await pilot.press("q")
