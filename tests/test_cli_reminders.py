"""`reminders`, `reminders send`, `reminders count` (docs/COMMANDS.md): the JSON contract,
the table, marking sent once, refusals that exit 2 and write nothing; both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import col, select

from engine.access import add_user
from engine.reads.views import entry_row
from models.tables import Entry, EntryReminder
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tui.cli import main

TODAY = "2026-03-02"
HOSTILE = "Evil\x1b[31m Corp\x07"


@pytest.fixture
def seeded(db: TestDB) -> dict[str, int]:
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        add_user(s, None, "audrey", "auditor")
        c1 = add_customer(s, "C1", "Dupont")
        c2 = add_customer(s, "C2", HOSTILE)
        ids = {
            "a": add_entry(
                s, c1, "invoice", "2026-02-01", "100.00", due="2026-03-03", invoice="F1"
            ),
            "b": add_entry(s, c1, "invoice", "2026-02-01", "50.25", due="2026-03-10", invoice="F2"),
            "late": add_entry(s, c1, "invoice", "2026-02-01", "9.00", due="2026-03-20"),
            "c": add_entry(s, c2, "invoice", "2026-02-01", "70.00", due="2026-03-05", invoice="G1"),
        }
        return {k: e.id for k, e in ids.items() if e.id is not None}


def run(
    db: TestDB, capsys: pytest.CaptureFixture[str], *args: str, user: str = "boss"
) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", user, "--today", TODAY, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def state(db: TestDB) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    with db.session() as session:
        rows = [
            (r.entry_id, r.channel, r.day.isoformat(), r.document_id)
            for r in session.exec(select(EntryReminder).order_by(col(EntryReminder.entry_id)))
        ]
        return rows, {e.id: e.reminder_count for e in session.exec(select(Entry)) if e.id}


def test_reminders_json_one_item_per_customer(
    db: TestDB, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "reminders", "--json")
    assert code == 0, err
    items = json.loads(out)
    assert [(i["customer"], i["name"], i["total"]) for i in items] == [
        ("C1", "Dupont", "150.25"),
        ("C2", HOSTILE, "70.00"),
    ]
    assert all(set(i) == {"customer", "name", "total", "entries"} for i in items)
    keys = set(entry_row(Entry(kind="invoice", source_key="x")))  # type: ignore[call-arg]
    first = items[0]["entries"][0]
    assert set(first) == keys and "open_amount" in keys
    assert (first["id"], first["invoice"], first["due_date"], first["open_amount"]) == (
        seeded["a"],
        "F1",
        "2026-03-03",
        "100.00",
    )
    assert [e["id"] for e in items[0]["entries"]] == [seeded["a"], seeded["b"]]


def test_reminders_table_shows_names_inert(
    db: TestDB, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(db, capsys, "reminders")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil\\x1b[31m Corp\\x07" in out
    assert "F1" in out and "150.25" not in out.split("\n")[0]
    assert "Letters: 2, invoices: 3, total 220.25." in out


def test_reminders_off(
    db: TestDB, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, capsys, "settings", "set", "reminder_period_days", "0")[0] == 0
    assert "off" in run(db, capsys, "reminders")[1]
    assert json.loads(run(db, capsys, "reminders", "--json")[1]) == []


def test_send_mark_records_every_proposal_once(
    db: TestDB, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "reminders", "send", "--channel", "mark")
    assert code == 0, err
    assert f"entries {seeded['a']}, {seeded['b']} recorded as sent (mark)" in out
    assert "Entries recorded as reminded on 2026-03-02: 3." in out
    rows, counts = state(db)
    assert rows == [(seeded[k], "mark", TODAY, None) for k in ("a", "b", "c")]
    assert [counts[seeded[k]] for k in ("a", "b", "c", "late")] == [1, 1, 1, 0]
    code, out, _err = run(db, capsys, "reminders", "send", "--channel", "mark")
    assert code == 0 and "No preventive reminder to send" in out
    assert state(db) == (rows, counts)
    assert json.loads(run(db, capsys, "reminders", "--json")[1]) == []


@pytest.mark.parametrize(
    ("args", "needle", "user"),
    [
        (["reminders", "send", "--out", "/nonexistent/folder"], "existing folder", "boss"),
        (["reminders", "send", "--channel", "print"], "read-only auditor", "audrey"),
        (["reminders", "send", "--channel", "email"], "read-only auditor", "audrey"),
        (["reminders", "send", "--channel", "fax"], "invalid choice: 'fax'", "boss"),
        (["reminders", "send", "--channel", "mark"], "read-only auditor", "audrey"),
        (["reminders", "count", "{a}", "100"], "expected a whole number from 0 to 99", "boss"),
        (["reminders", "count", "{a}", "-1"], "expected a whole number from 0 to 99", "boss"),
        (["reminders", "count", "{a}", "deux"], "Invalid reminder count 'deux'", "boss"),
        (["reminders", "count", "abc", "1"], "Invalid entry id 'abc'", "boss"),
        (["reminders", "count", "999999", "1"], "Unknown entry 999999", "boss"),
        (["reminders", "count", "{a}"], "required: count", "boss"),
        (["reminders", "count", "{a}", "2"], "read-only auditor", "audrey"),
        (["reminders", "nope"], "invalid choice: 'nope'", "boss"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    db: TestDB,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
    user: str,
) -> None:
    before = state(db)
    argv = [a.format(a=seeded["a"]) for a in args]
    code, out, err = run(db, capsys, *argv, user=user)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err and "SELECT" not in err
    assert state(db) == before


def test_count_sets_an_entrys_reminder_count(
    db: TestDB, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "reminders", "count", str(seeded["a"]), "7")
    assert code == 0, err
    assert out == f"Entry {seeded['a']}: reminder count 7.\n"
    assert state(db)[1][seeded["a"]] == 7
    items = json.loads(run(db, capsys, "reminders", "--json")[1])
    assert items[0]["entries"][0]["reminder_count"] == 7  # still proposed: never reminded
