"""Start-up in two processes (tui.prefetch): the child reads the first screenful while the
parent starts Textual, the list shows it, and a database that cannot be used closes the app
with the command line's message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from engine.reads.dossier_list import dossier_count, dossier_totals, dossier_window
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui import cli
from tui.app import RecouvrementApp
from tui.first_screen import FIRST_FILTER, FIRST_ROWS
from tui.prefetch import Prefetch, Send
from tui.widgets.lazy_table import TableBody

ROOT = Path(__file__).resolve().parent.parent


def test_the_parent_paints_without_the_database_layer() -> None:
    """What the parent imports before the first paint leaves out SQLAlchemy and the models
    (their import is what the child does in parallel)."""
    code = (
        "import sys, tui.cli, tui.app, tui.screens.dossiers, tui.prefetch, tui.first_screen\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'models.tables')"
        " if m in sys.modules]\n"
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
        send({"rows": [{"number": "D000001"}]})
        send({"count": 1, "totals": {"dossiers": 1}})

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    assert prefetch.take("rows") == [{"number": "D000001"}]
    assert prefetch.take("rows") is None  # once: later reads go to the database
    assert prefetch.take("count") == 1
    assert prefetch.take("totals") == {"dossiers": 1}
    assert prefetch.take("missing") is None and prefetch.fatal is None
    assert prefetch.wait(5)
    with pytest.raises(ChildProcessError):
        os.waitpid(prefetch.pid, os.WNOHANG)  # reaped


def test_after_its_first_answer_the_child_yields_the_processor() -> None:
    def work(send: Send) -> None:
        send({"rows": [], "niceness": os.nice(0)})
        send({"count": os.nice(0)})

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    assert prefetch.take("rows") == []
    assert prefetch.take("count") == prefetch.take("niceness") + 10


def test_a_failing_child_answers_with_its_error() -> None:
    def work(send: Send) -> None:
        raise RuntimeError("disk on fire")

    prefetch = Prefetch.start(work)
    assert prefetch is not None
    assert prefetch.take("rows") is None
    assert prefetch.fatal is None  # not fatal: the list reads its rows itself
    assert "disk on fire" in prefetch._received["failed"]


def test_leaving_early_stops_a_slow_child() -> None:
    prefetch = Prefetch.start(lambda send: time.sleep(30))
    assert prefetch is not None
    assert prefetch.take("rows", timeout=0.1) is None  # a list does not wait for ever
    started = time.perf_counter()
    prefetch.close()
    assert prefetch.wait(5) and time.perf_counter() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(prefetch.pid, os.WNOHANG)


def test_dropped_answers_are_not_used() -> None:
    prefetch = Prefetch.start(lambda send: send({"rows": [], "count": 7}))
    assert prefetch is not None and prefetch.wait(5)
    prefetch.drop()
    assert prefetch.take("count") is None


def args(db: str) -> Any:
    return cli.build_parser().parse_args(["--db", db, "--user", "boss", "--today", str(TODAY)])


def test_the_child_reads_what_the_list_shows_first(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    sent: list[dict[str, Any]] = []
    cli.prefetch_first_screen(args(sqlite_db.url), sent.append)
    with sqlite_db.session() as session:
        expected = [
            {"rows": dossier_window(session, FIRST_FILTER, 0, FIRST_ROWS, TODAY)},
            {
                "count": dossier_count(session, FIRST_FILTER),
                "totals": dossier_totals(session, FIRST_FILTER, TODAY),
            },
        ]
    assert sent == expected
    assert [r["number"] for r in sent[0]["rows"]] == ["D000001", "D000002", "D000003", "D000004"]


def test_a_database_that_cannot_be_used_is_fatal(tmp_path: Path) -> None:
    sent: list[dict[str, Any]] = []
    missing = tmp_path / "nowhere.sqlite3"
    cli.prefetch_first_screen(args(str(missing)), sent.append)
    assert sent == [
        {"fatal": f"No database at {missing}: run `recouvrement init` first (or pass --db)."}
    ]
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    sent.clear()
    cli.prefetch_first_screen(args(str(empty)), sent.append)
    assert "is not initialised: run `recouvrement init` first" in sent[0]["fatal"]


def test_rcv_without_a_database_says_so_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole start-up path, with a real child process; the app itself replaced by what
    it does first (take the rows), since tests have no terminal."""
    import tui.app

    def run_app(engine: Any, login: str, today: Any, prefetch: Prefetch | None) -> str | None:
        assert prefetch is not None and (login, today) == ("boss", TODAY)
        prefetch.take("rows")
        prefetch.close()
        return prefetch.fatal

    monkeypatch.setattr(tui.app, "run_app", run_app)
    missing = tmp_path / "nowhere.sqlite3"
    code = cli.main(["--db", str(missing), "--user", "boss", "--today", str(TODAY)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"No database at {missing}: run `recouvrement init` first (or pass --db).\n"
    )


class FakePrefetch:
    """What the child would send, without a child; ``hold`` keeps the totals back until
    it is set."""

    def __init__(self, hold: threading.Event | None = None, **answers: Any) -> None:
        self.answers = answers
        self.fatal: str | None = answers.pop("fatal", None)
        self.hold = hold
        self.closed = False

    def take(self, key: str) -> Any | None:
        if key == "totals" and self.hold is not None:
            self.hold.wait(5)
        return self.answers.pop(key, None)

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
    prefetch: Any = FakePrefetch(rows=rows, count=1, totals=totals)
    app = RecouvrementApp(lambda: sqlite_db.engine, "boss", TODAY, prefetch)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 1)
        assert body.row_at(0)["number"] == "D999999"  # type: ignore[index]
        await pilot.press("m", "m")  # mine, then all again: now from the database
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        assert body.row_at(0)["number"] == "D000001"  # type: ignore[index]


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
    prefetch: Any = FakePrefetch(hold, totals={"dossiers": 999, "balance": 0, "due_today": 0})
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
    args = cli.tui_invocation(["--db", "x.sqlite3", "--user", "boss", "--today", "2026-03-02"])
    assert args is not None and (args.db, args.user, args.today) == ("x.sqlite3", "boss", TODAY)
    assert cli.tui_invocation([]) is not None
    for argv in (["dossier", "list"], ["--help"], ["--today", "2026-02-30"], ["--db"]):
        assert cli.tui_invocation(argv) is None
