"""Many writers at once, nothing lost and nothing crashing (SQLite and PostgreSQL): the same
file imported side by side is stored once, and of twenty `done` on one intervention one
wins and nineteen are refused, naming when and by whom it was done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from engine.csv_import import ImportReport, import_csv
from engine.dossiers import open_dossier
from engine.errors import Forbidden, UserError
from engine.interventions import mark_done, mark_skipped
from engine.scenarios import BUILTIN_NAME
from models.tables import Customer, Entry, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_concurrency import side_by_side
from tests.test_validation import Cli, dump

HEADER = (
    "customer_code;customer_name;journal;date;piece;invoice;account;label;due_date;debit;credit"
)
IMPORTS = 4
LINES = 40
DONES = 20


def csv_file(tmp_path: Path) -> Path:
    lines = [
        f"C{n % 5};Client {n % 5};VTE;2026-01-{1 + n % 28:02d};F{n};F{n};411000;Facture {n};"
        f"2026-02-01;{100 + n}.00;"
        for n in range(LINES)
    ]
    path = tmp_path / "same.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_same_file_imported_side_by_side_is_stored_once(db: TestDB, tmp_path: Path) -> None:
    path = csv_file(tmp_path)

    def importing() -> ImportReport:
        with db.ctx() as ctx:
            return import_csv(ctx, path)

    results = side_by_side(*([importing] * IMPORTS))
    assert all(isinstance(r, ImportReport) for r in results), results
    # One import adds the lines; the others, after it, find them there.
    assert sorted(r.added for r in results) == [0] * (IMPORTS - 1) + [LINES]
    assert sorted(r.unchanged for r in results) == [0] + [LINES] * (IMPORTS - 1)
    assert sum(r.customers_created for r in results) == 5
    with db.session() as session:
        keys = session.exec(select(Entry.source_key)).all()
        assert len(keys) == len(set(keys)) == LINES
        assert session.exec(select(func.count()).select_from(Customer)).one() == 5


def test_an_import_behind_a_long_one_waits_past_the_lock_timeout(
    db: TestDB, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dossier lock is waited for 10 s at most (here 0.3 s), but an import behind another
    one waits for its turn: it must not fail with "busy, try again"."""
    from sqlalchemy import text

    from engine.turns import IMPORTS as IMPORT_KEY
    from tui.cli import main

    monkeypatch.setenv("RECOUVREMENT_LOCK_TIMEOUT", "0.3")
    path = csv_file(tmp_path)
    holding, released = threading.Event(), threading.Event()

    def long_import() -> None:  # holds what a running import holds, for ~1 s
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_KEY})
            else:
                conn.exec_driver_sql("INSERT INTO sequence (name, value) VALUES ('x', 0)")
            holding.set()
            released.wait(5)
            conn.commit()

    other = threading.Thread(target=long_import)
    other.start()
    assert holding.wait(5)
    threading.Timer(1.0, released.set).start()
    code = main(
        ["--db", db.url, "--user", "boss", "--today", "2026-03-02", "import", "csv", str(path)]
    )
    other.join(5)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert released.is_set()  # it did wait for the other one to end
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Entry)).one() == LINES


def one_dossier(db: TestDB) -> int:
    with db.ctx() as ctx:
        customer = add_customer(ctx.session)
        add_entry(ctx.session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01")
        open_dossier(ctx, "CDUPONT", BUILTIN_NAME, agent="boss")
        todo = ctx.session.exec(select(Intervention).where(Intervention.status == "todo")).one()
        assert todo.id is not None
        return todo.id


def test_twenty_dones_at_once_one_wins_nineteen_are_told(db: TestDB) -> None:
    ident = one_dossier(db)

    def done(i: int) -> Any:
        with db.ctx() as ctx:
            mark_done(ctx, ident, note=f"note-{i}")
            return f"note-{i}"

    results = side_by_side(*(lambda i=i: done(i) for i in range(DONES)))
    won = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, UserError)]
    assert len(won) == 1 and len(refused) == DONES - 1, results
    for exc in refused:
        assert exc.message.startswith(
            f"Intervention {ident} is already done (on 2026-03-02 by boss)"
        ), exc.message
    with db.session() as session:
        item = session.get(Intervention, ident)
        assert item is not None and item.status == "done" and item.note == won[0]
        count = session.exec(select(func.count()).select_from(Intervention)).one()
        assert count == 2  # the next step, planned once


def test_repeated_done_or_skip_is_refused_and_writes_nothing(db: TestDB) -> None:
    ident = one_dossier(db)
    with db.ctx() as ctx:
        mark_done(ctx, ident, note="first")
    before = dump(db)
    for finish in (mark_done, mark_skipped):
        with pytest.raises(UserError) as caught, db.ctx() as ctx:
            finish(ctx, ident, note="second")
        assert caught.value.message == (
            f"Intervention {ident} is already done (on 2026-03-02 by boss): "
            "it cannot be marked again."
        )
    assert dump(db) == before


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    one_dossier(db)
    return Cli(db, capsys)


def test_repeated_done_on_the_command_line(cli: Cli) -> None:
    assert cli("intervention", "done", "1", "--note", "note-1")[0] == 0
    cli.refused(
        "intervention",
        "done",
        "1",
        "--note",
        "note-2",
        needle="Intervention 1 is already done (on 2026-03-02 by boss)",
    )
    cli.refused("intervention", "skip", "1", needle="already done (on 2026-03-02 by boss)")
    # Rights first: an auditor or another agent is refused as such, never told "done".
    assert cli("users", "add", "zoe", "--role", "auditor")[0] == 0
    assert cli("users", "add", "alice", "--role", "agent")[0] == 0
    err = cli.refused("intervention", "done", "1", user="zoe", needle="auditor")
    assert "already" not in err
    err = cli.refused("intervention", "done", "1", user="alice", needle="boss")
    assert "already" not in err


def test_rights_are_checked_before_the_status(db: TestDB) -> None:
    ident = one_dossier(db)
    with db.ctx() as ctx:
        mark_done(ctx, ident)
    with db.ctx() as ctx:
        from engine.access import add_user

        add_user(ctx.session, ctx.actor, "alice", "agent")
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        mark_done(ctx, ident)


async def test_tui_done_on_an_intervention_done_meanwhile_is_refused(sqlite_db: TestDB) -> None:
    """The screen still shows step 1 to do; another agent marks it done first: `d` then
    says so (and by whom) in the form instead of "done", and the other agent's note is
    kept."""
    from textual.widgets import Static

    from tests.test_tui_detail import notified, open_detail, seed
    from tests.tui_helpers import TODAY, wait_for
    from tui.app import RecouvrementApp
    from tui.screens.forms import DoneForm

    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        ident = screen.data["current_id"]  # type: ignore[index]
        with sqlite_db.ctx(TODAY) as ctx:
            mark_done(ctx, ident, note="first")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        form = app.screen
        await pilot.press(*"second", "enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "already done (on 2026-03-02 by boss)" in str(error.render()))
        assert app.screen is form  # what was typed is still there
        assert not notified(app, f"Intervention {ident} done")
        await wait_for(pilot, lambda: screen.data is not None and screen.data["current_step"] == 2)
    with sqlite_db.session() as session:
        item = session.get(Intervention, ident)
        assert item is not None and item.note == "first"
