"""Start-up in two processes (tui.startup): the child reads the first screenful while the
parent starts Textual, the list shows it, and a database that cannot be used, or a login it
refuses, closes the app with the command line's message. The child reads with the database
driver alone: its rows and values are the engine's, on both backends."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from engine.access import add_user
from engine.demo import build_demo
from engine.reads.dossier_list import dossier_count, dossier_totals, dossier_window
from engine.settings import set_setting
from models.tables import Dossier
from tests.conftest import MANAGER, TestDB
from tests.factories import add_customer
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui import cli
from tui.app import RecouvrementApp
from tui.startup import launch
from tui.startup.driver import checked
from tui.startup.first_screen import FIRST_FILTER, FIRST_ROWS, read_first_screen
from tui.startup.messages import Failed, Fatal, FirstCount, FirstRows, FirstTotals, Message
from tui.startup.prefetch import Prefetch, Send
from tui.widgets.lazy_table import TableBody

ROOT = Path(__file__).resolve().parent.parent


def test_the_parent_paints_without_the_database_layer() -> None:
    """What the parent imports before the first paint leaves out SQLAlchemy and the models
    (the child reads without them), the TOML parser when there is no key file, and Babel's
    number formats (the list's amounts are written without them)."""
    code = (
        "import sys, tui.cli, tui.app, tui.screens.dossiers, tui.startup.launch\n"
        "import tui.startup.prefetch, tui.startup.first_screen, tui.startup.driver\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'models.tables', 'tomllib',"
        " 'babel.numbers') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_models_do_not_load_the_postgresql_dialect() -> None:
    """On SQLite the start-up process should not pay for PostgreSQL's dialect (~40 ms)."""
    code = (
        "import sys, models.tables, engine.reads.dossier_list, engine.context\n"
        "print('sqlalchemy.dialects.postgresql' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_first_rows_are_one_page_of_the_table() -> None:
    assert FIRST_ROWS == TableBody.PAGE


def test_the_child_streams_its_answers_once_each() -> None:
    def work(send: Send) -> None:
        send(FirstRows([{"number": "D000001"}]))
        send(FirstCount(1))
        send(FirstTotals({"dossiers": 1}))

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    assert prefetch.take(FirstRows) == FirstRows([{"number": "D000001"}])
    assert prefetch.take(FirstRows) is None  # once: later reads go to the database
    assert prefetch.take(FirstCount) == FirstCount(1)
    assert prefetch.take(FirstTotals) == FirstTotals({"dossiers": 1})
    assert prefetch.take(Failed) is None and prefetch.fatal is None
    assert prefetch.wait(5)
    with pytest.raises(ChildProcessError):
        os.waitpid(prefetch.pid, os.WNOHANG)  # reaped


def test_after_its_first_answer_the_child_yields_the_processor() -> None:
    def work(send: Send) -> None:
        send(FirstRows([{"niceness": os.nice(0)}]))
        send(FirstCount(os.nice(0)))

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    rows = prefetch.take(FirstRows)
    count = prefetch.take(FirstCount)
    assert rows is not None and count is not None
    assert count.count == rows.rows[0]["niceness"] + 10


def test_a_failing_child_answers_with_its_error() -> None:
    def work(send: Send) -> None:
        raise RuntimeError("disk on fire")

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    assert prefetch.take(FirstRows) is None
    assert prefetch.fatal is None  # not fatal: the list reads its rows itself
    assert prefetch.failed is not None and "disk on fire" in prefetch.failed


def test_leaving_early_stops_a_slow_child() -> None:
    prefetch = Prefetch.start(lambda send: time.sleep(30))
    assert prefetch is not None
    assert prefetch.take(FirstRows, timeout=0.1) is None  # a list does not wait for ever
    started = time.perf_counter()
    prefetch.close()
    assert prefetch.wait(5) and time.perf_counter() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(prefetch.pid, os.WNOHANG)


def test_dropped_answers_are_not_used() -> None:
    def work(send: Send) -> None:
        send(FirstRows([]))
        send(FirstCount(7))

    prefetch = Prefetch.start(work)
    assert prefetch is not None and prefetch.wait(5)
    prefetch.drop()
    assert prefetch.take(FirstCount) is None


REFUSED = (
    "Login 'stranger' is not allowed on this database: a manager must add it "
    "(recouvrement users add stranger --role agent)."
)


def args(db: str, login: str = "boss") -> Any:
    return cli.build_parser().parse_args(["--db", db, "--user", login, "--today", str(TODAY)])


def engine_answers(db: TestDB, today: dt.date = TODAY) -> list[Message]:
    """What the list reads itself (engine.reads.dossier_list) for its first filter."""
    with db.session() as session:
        return [
            FirstRows(dossier_window(session, FIRST_FILTER, 0, FIRST_ROWS, today)),
            FirstCount(dossier_count(session, FIRST_FILTER)),
            FirstTotals(dossier_totals(session, FIRST_FILTER, today)),
        ]


def test_the_child_reads_what_the_list_shows_first(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    sent: list[Message] = []
    launch.prefetch_first_screen(args(sqlite_db.url), sent.append)
    assert sent == engine_answers(sqlite_db)
    assert isinstance(sent[0], FirstRows)
    assert [r["number"] for r in sent[0].rows] == ["D000001", "D000002", "D000003", "D000004"]


def test_the_child_reads_with_the_driver_alone(sqlite_db: TestDB) -> None:
    """Neither SQLAlchemy, SQLModel nor the models: their import is the floor the first
    paint would otherwise wait for (nor pendulum, for --today, before the fork)."""
    seed_tui(sqlite_db)
    code = (
        "import sys\n"
        "from tui.startup.launch import prefetch_first_screen, tui_invocation\n"
        f"args = tui_invocation(['--db', {sqlite_db.url!r}, '--user', 'boss',"
        f" '--today', {str(TODAY)!r}])\n"
        "sent = []\n"
        "prefetch_first_screen(args, sent.append)\n"
        "print([type(m).__name__ for m in sent], len(sent[0].rows))\n"
        "print([m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'models.tables', 'pendulum')"
        " if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines() == ["['FirstRows', 'FirstCount', 'FirstTotals'] 4", "[]"]


def add_edge_dossiers(db: TestDB) -> None:
    """Dossiers sorted before the demo's (numbers A…): every column the list shows empty,
    accents and signs in names, amounts of a hundred billion, a credit balance, a pause."""
    with db.session() as session:
        plain = add_customer(session, "CZ", "Zoé")
        accents = add_customer(session, "CÉÇ-ß", "Éléonore Çà & Fils — “SARL” ß ñ 日本")
        assert plain.id is not None and accents.id is not None
        edge = [
            Dossier(number="A000001", customer_id=plain.id, created=TODAY),
            Dossier(
                number="A000002",
                customer_id=accents.id,
                created=TODAY,
                agent=MANAGER,
                status="paused",
                pause_until=dt.date(2026, 12, 31),
                principal=Decimal("123456789012.34"),
                charges=Decimal("98765432109.87"),
                oldest_due=dt.date(2000, 1, 1),
                next_action=dt.date(2026, 3, 2),
                current_step="Relance n°2 — « mise en demeure »",
            ),
            Dossier(
                number="A000003",
                customer_id=accents.id,
                created=TODAY,
                status="closed",
                principal=Decimal("-0.01"),
                charges=Decimal("0.00"),
                oldest_due=TODAY,
            ),
        ]
        session.add_all(edge)


def test_the_drivers_rows_are_the_engines(db: TestDB) -> None:
    """The start-up SQL read with the driver gives exactly the rows and values the engine
    gives (same types, same decimals), on the demo and on edge data, on both backends."""
    today = dt.date(2026, 11, 27)
    build_demo(db.engine, MANAGER, today, 150)  # more than a page: LIMIT and order count
    add_edge_dossiers(db)
    sent: list[Message] = []
    with checked(db.url, MANAGER) as driver:
        assert driver is not None
        read_first_screen(driver, today, sent.append)
    expected = engine_answers(db, today)
    assert sent == expected
    assert repr(sent) == repr(expected)  # Decimal('1.00') is not Decimal('1.0')
    first = sent[0]
    assert isinstance(first, FirstRows) and len(first.rows) == min(FIRST_ROWS, sent[1].count)  # type: ignore[union-attr]
    assert [r["number"] for r in first.rows[:3]] == ["A000001", "A000002", "A000003"]
    assert first.rows[1]["balance"] == Decimal("222222221122.21")


def test_the_driver_goes_the_command_lines_way_unless_all_is_plain(
    sqlite_db: TestDB, tmp_path: Path
) -> None:
    """Whatever the command line would refuse or do otherwise, the driver leaves to it."""
    seed_tui(sqlite_db)
    with checked(sqlite_db.url, MANAGER) as driver:
        assert driver is not None
    with checked(f"sqlite:///{sqlite_db.url}", "alice") as driver:
        assert driver is not None  # a URL as SQLAlchemy reads it
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    for db, login in [
        (sqlite_db.url, "stranger"),  # not a user, open access off
        (str(tmp_path / "nowhere.sqlite3"), MANAGER),
        (str(empty), MANAGER),  # not initialised
        (str(folder), MANAGER),
        (" ", MANAGER),
        ("mysql://somewhere/db", MANAGER),
    ]:
        with checked(db, login) as driver:
            assert driver is None, (db, login)
    assert not (tmp_path / "nowhere.sqlite3").exists()  # never created
    with sqlite_db.ctx(TODAY) as ctx:
        add_user(ctx.session, ctx.actor, "alice", "agent", active=False)
    with checked(sqlite_db.url, "alice") as driver:
        assert driver is None  # deactivated
    with sqlite_db.ctx(TODAY) as ctx:
        set_setting(ctx.session, "open_access", "yes", ctx.actor)
    with checked(sqlite_db.url, "stranger") as driver:
        assert driver is not None  # open access lets any login in, as the engine does
    with checked(sqlite_db.url, "alice") as driver:
        assert driver is None  # but a deactivated user stays out


def test_the_first_rows_unpickle_without_the_database_layer(sqlite_db: TestDB) -> None:
    """The rows' statuses are enums: unpickling them in the parent imports their light
    module only, not the models (the parent paints before SQLAlchemy is imported)."""
    import pickle

    seed_tui(sqlite_db)
    sent: list[Message] = []
    launch.prefetch_first_screen(args(sqlite_db.url), sent.append)
    code = (
        "import pickle, sys\n"
        "rows = pickle.load(sys.stdin.buffer).rows\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'models.tables') if m in sys.modules]\n"
        "print(rows[0]['status'] == 'open', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        input=pickle.dumps(sent[0]),
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode().strip() == "True []"


def test_a_database_that_cannot_be_used_is_fatal(tmp_path: Path) -> None:
    sent: list[Message] = []
    missing = tmp_path / "nowhere.sqlite3"
    launch.prefetch_first_screen(args(str(missing)), sent.append)
    assert sent == [
        Fatal(f"No database at {missing}: run `recouvrement init` first (or pass --db).")
    ]
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    sent.clear()
    launch.prefetch_first_screen(args(str(empty)), sent.append)
    assert isinstance(sent[0], Fatal)
    assert "is not initialised: run `recouvrement init` first" in sent[0].message


def test_a_login_the_database_refuses_is_fatal(sqlite_db: TestDB) -> None:
    sent: list[Message] = []
    launch.prefetch_first_screen(args(sqlite_db.url, "stranger"), sent.append)
    assert sent == [Fatal(REFUSED)]


def test_open_access_lets_an_unknown_login_see_the_list(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        set_setting(ctx.session, "open_access", "true", ctx.actor)
    sent: list[Message] = []
    launch.prefetch_first_screen(args(sqlite_db.url, "stranger"), sent.append)
    assert sent == engine_answers(sqlite_db)


def fake_run_app(monkeypatch: pytest.MonkeyPatch) -> list[Prefetch | None]:
    """The app replaced by what it does first (take the rows), since tests have no
    terminal; returns the start-up processes it was given."""
    import tui.app

    given: list[Prefetch | None] = []

    def run_app(
        engine: Any, login: str, today: Any, prefetch: Prefetch | None = None
    ) -> str | None:
        given.append(prefetch)
        if prefetch is None:
            return None
        prefetch.take(FirstRows)
        prefetch.close()
        return prefetch.fatal

    monkeypatch.setattr(tui.app, "run_app", run_app)
    return given


def test_rcv_without_a_database_says_so_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole start-up path, with a real child process."""
    given = fake_run_app(monkeypatch)
    missing = tmp_path / "nowhere.sqlite3"
    code = cli.main(["--db", str(missing), "--user", "boss", "--today", str(TODAY)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"No database at {missing}: run `recouvrement init` first (or pass --db).\n"
    )
    assert len(given) == 1 and given[0] is not None


@pytest.mark.parametrize("prefetch", ["1", "0"])
def test_rcv_as_a_login_the_database_refuses_exits_2(
    sqlite_db: TestDB,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prefetch: str,
) -> None:
    """A login the database does not know (open access off) gets the command line's
    refusal and exit status 2, not an app whose every screen shows an error: with the
    start-up process (it says so, the app closes) and without (the app never starts)."""
    seed_tui(sqlite_db)
    monkeypatch.setenv(launch.PREFETCH_ENV, prefetch)
    given = fake_run_app(monkeypatch)
    code = cli.main(["--db", sqlite_db.url, "--user", "stranger", "--today", str(TODAY)])
    assert (code, capsys.readouterr().err) == (2, REFUSED + "\n")
    assert len(given) == (1 if prefetch == "1" else 0)
    code = cli.main(["--db", sqlite_db.url, "--user", "alice", "--today", str(TODAY)])
    assert (code, capsys.readouterr().err) == (0, "")
    assert (given[-1] is None) == (prefetch == "0")  # off: the list reads for itself


def test_the_prefetch_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(launch.PREFETCH_ENV, raising=False)
    assert launch.prefetch_on()
    for value, on in [("", True), ("1", True), ("0", False), ("off", False), (" No ", False)]:
        monkeypatch.setenv(launch.PREFETCH_ENV, value)
        assert launch.prefetch_on() is on, value


class FakePrefetch:
    """What the child would send, without a child; ``hold`` keeps the totals back until
    it is set."""

    def __init__(
        self, *answers: Message, hold: threading.Event | None = None, fatal: str | None = None
    ) -> None:
        self.answers = {type(answer): answer for answer in answers}
        self.fatal = fatal
        self.hold = hold
        self.closed = False

    def take(self, kind: type[Message], timeout: float = 5) -> Message | None:
        if kind is FirstTotals and self.hold is not None:
            self.hold.wait(timeout)
        return self.answers.pop(kind, None)

    def wait(self, timeout: float = 5) -> bool:
        return True

    def drop(self) -> None:
        self.answers.clear()

    def close(self) -> None:
        self.closed = True


async def test_the_list_shows_the_prefetched_rows_then_reads_itself(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    rows = [
        {"number": "D999999", "customer": "CPREFETCH", "status": "open", "balance": None},
    ]
    totals = {"dossiers": 1, "balance": 0, "due_today": 0}
    prefetch: Any = FakePrefetch(FirstRows(rows), FirstCount(1), FirstTotals(totals))
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 1)
        assert body.row_at(0)["number"] == "D999999"  # type: ignore[index]
        await pilot.press("m", "m")  # mine, then all again: now from the database
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        assert body.row_at(0)["number"] == "D000001"  # type: ignore[index]


class SentEarly(FakePrefetch):
    """Rows that arrived before the list mounted: given to a caller that does not wait."""

    def take(self, kind: type[Message], timeout: float = 5) -> Message | None:
        if kind is FirstRows and timeout > 0:
            return None  # a worker's take: the list would read the database instead
        return super().take(kind, timeout)


async def test_rows_already_sent_are_shown_as_the_list_mounts(sqlite_db: TestDB) -> None:
    """In the list's first frame, not one frame later from a worker."""
    seed_tui(sqlite_db)
    rows = [{"number": "D999999", "customer": "CPREFETCH", "status": "open", "balance": None}]
    prefetch: Any = SentEarly(FirstRows(rows), FirstCount(1))
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        assert body.count == 1 and body.row_at(0)["number"] == "D999999"  # type: ignore[index]


async def test_a_fatal_answer_closes_the_app(sqlite_db: TestDB) -> None:
    prefetch: Any = FakePrefetch(fatal="No database at /nowhere.")
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fatal is not None)
    assert app.fatal == "No database at /nowhere." and app.return_code == 2


async def test_later_loads_read_the_database_not_the_start_up_answers(
    sqlite_db: TestDB,
) -> None:
    """The first answers stand for the first load only: a count or totals left unused
    (the filter changed while they were on their way) must not come back later."""
    seed_tui(sqlite_db)
    hold = threading.Event()
    prefetch: Any = FakePrefetch(
        FirstTotals({"dossiers": 999, "balance": 0, "due_today": 0}), hold=hold
    )
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        totals = app.screen.query_one("#totals", Static)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("m")  # mine: 2 dossiers, while the first totals are still coming
        await wait_for(pilot, lambda: "2 dossiers" in str(totals.render()))
        hold.set()  # the late start-up totals arrive: they belong to another filter
        await settle(pilot)
        assert "2 dossiers" in str(totals.render())
        await pilot.press("m")  # back to the start-up filter: counted in the database
        await wait_for(pilot, lambda: "4 dossiers" in str(totals.render()) and body.count == 4)


async def test_quitting_does_not_wait_for_a_slow_start_up_process(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    prefetch = Prefetch.start(lambda send: time.sleep(30))
    assert prefetch is not None
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    started = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # running, the start-up process still asleep
        await pilot.press("q")
    assert time.perf_counter() - started < 5
    assert prefetch.wait(5)  # stopped and reaped


def test_the_tui_is_recognised_before_the_full_parser() -> None:
    """Global options alone start the TUI; a command, --help or a mistake go to the full
    parser (which says what is wrong)."""
    args = launch.tui_invocation(["--db", "x.sqlite3", "--user", "boss", "--today", "2026-03-02"])
    assert args is not None and (args.db, args.user, args.today) == ("x.sqlite3", "boss", TODAY)
    assert launch.tui_invocation([]) is not None
    for argv in (["dossier", "list"], ["--help"], ["--today", "2026-02-30"], ["--db"]):
        assert launch.tui_invocation(argv) is None
