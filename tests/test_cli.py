"""The command-line contract (docs/COMMANDS.md): names, options, JSON keys, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from engine.bootstrap import initialize
from engine.scenarios import BUILTIN_NAME
from models.db import make_engine, session_factory, transaction
from tests.factories import add_customer, add_entry
from tui.cli import main

TODAY = "2026-03-02"


@pytest.fixture
def dbfile(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.sqlite3")
    engine = make_engine(path)
    initialize(engine, "boss")
    with transaction(session_factory(engine)) as session:
        customer = add_customer(session)
        add_entry(
            session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F1"
        )
        add_entry(session, customer, "credit_note", "2026-01-20", "100.50", invoice="AV1")
        add_customer(session, "CVIDE", "Société Sans Dette")
    engine.dispose()
    return path


class Cli:
    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str, user: str = "boss", today: str = TODAY) -> tuple[int, str, str]:
        code = main(["--db", self.db, "--user", user, "--today", today, *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str, **kw: Any) -> Any:
        code, out, err = self(*args, "--json", **kw)
        assert code == 0, err
        return json.loads(out)

    def dump(self, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (or of the named ones), ordered by primary key."""
        engine = make_engine(self.db)
        wanted = [t for t in SQLModel.metadata.sorted_tables if not tables or t.name in tables]
        assert wanted
        with engine.connect() as conn:
            result = {
                table.name: [
                    tuple(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in wanted
            }
        engine.dispose()
        return result


@pytest.fixture
def cli(dbfile: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(dbfile, capsys)


def test_init_makes_the_creator_first_manager(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "new" / "x.sqlite3")
    assert main(["--db", db, "--user", "marie", "init"]) == 0
    assert main(["--db", db, "--user", "marie", "init"]) == 0  # again: upgrade only
    assert main(["--db", db, "--user", "marie", "users", "list", "--json"]) == 0
    out = capsys.readouterr().out
    users = json.loads(out[out.index("[") :])
    assert users == [{"login": "marie", "name": "marie", "role": "manager", "active": True}]
    assert main(["--db", db, "--user", "paul", "users", "list"]) == 2
    assert "'paul'" in capsys.readouterr().err


def test_open_show_list_actions_json_keys(cli: Cli) -> None:
    shown = cli.json("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME, "--reason", "Retard")
    assert set(shown) >= {
        "number",
        "customer",
        "status",
        "scenario",
        "agent",
        "created",
        "reason",
        "principal",
        "charges",
        "balance",
        "provision",
        "customer_risk",
        "entries",
        "interventions",
    }
    assert shown["number"] == "D000001" and shown["status"] == "open"
    assert shown["principal"] == "1099.50" and shown["charges"] == "0.00"
    assert shown["balance"] == "1099.50" and shown["provision"] == "0.00"
    assert shown["created"] == TODAY
    entry_keys = {
        "id",
        "kind",
        "journal",
        "date",
        "piece",
        "invoice",
        "reference",
        "account",
        "label",
        "due_date",
        "debit",
        "credit",
        "lettering",
    }
    assert all(entry_keys <= set(e) for e in shown["entries"])
    assert {e["kind"] for e in shown["entries"]} == {"invoice", "credit_note"}
    action_keys = {
        "id",
        "dossier",
        "customer",
        "step_no",
        "step",
        "status",
        "planned",
        "done",
        "type",
        "contact",
        "note",
        "agent",
    }
    assert all(action_keys <= set(i) for i in shown["interventions"])
    assert cli.json("dossier", "show", "D000001") == shown
    assert cli.json("dossier", "show", "1")["number"] == "D000001"
    listed = cli.json("dossier", "list")
    assert listed == [
        {
            "number": "D000001",
            "customer": "CDUPONT",
            "status": "open",
            "scenario": BUILTIN_NAME,
            "agent": "boss",
            "balance": "1099.50",
            "next_action": TODAY,
        }
    ]
    assert cli.json("dossier", "list", "--status", "closed") == []
    actions = cli.json("actions", "--agent", "boss")
    assert [(a["step_no"], a["planned"], a["dossier"]) for a in actions] == [(1, TODAY, "D000001")]
    assert cli.json("actions", "--until", "2026-03-01") == []
    customers = cli.json("customers", "list")
    assert customers[0] == {
        "code": "CDUPONT",
        "name": "Dupont Frères",
        "outstanding": "1099.50",
        "overdue": "1200.00",
        "risk": None,
    }


def test_walk_through_the_command_line(cli: Cli) -> None:
    assert cli("settings", "set", "penalty_rate", "12.15")[0] == 0
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[1].strip() == "D000001"
    moved = cli("dossier", "step", "D000001", "7", "--date", "2026-03-20", today="2026-03-20")
    assert moved[0] == 0, moved[2]
    todo = cli.json("actions")[0]
    assert (todo["step_no"], todo["planned"]) == (7, "2026-03-27")
    code, _, err = cli(
        "intervention", "done", str(todo["id"]), "--note", "LRAR envoyée", today="2026-03-27"
    )
    assert code == 0, err
    shown = cli.json("dossier", "show", "D000001")
    charges = sorted(
        (e["kind"], e["debit"])
        for e in shown["entries"]
        if e["kind"] in ("fee", "penalty", "indemnity")
    )
    assert charges == [("fee", "30.00"), ("indemnity", "40.00"), ("penalty", "21.57")]
    assert shown["provision"] == "219.90"  # 20 % of 1,099.50
    assert shown["customer_risk"] == "Insolvable"
    before = cli.dump("dossier", "entry", "intervention")
    again = cli("intervention", "done", str(todo["id"]), today="2026-03-27")
    assert again[0] == 2 and "already done (on 2026-03-27 by boss)" in again[2]
    assert cli("run", today="2026-03-27")[0] == 0
    assert cli("run", today="2026-03-27")[0] == 0
    assert cli.dump("dossier", "entry", "intervention") == before
    added = cli("intervention", "add", "D000001", "--type", "visit", "--date", "2026-03-30")
    assert added[0] == 0 and "2026-03-30" in added[1]
    assert (
        cli(
            "dossier",
            "pause",
            "D000001",
            "--until",
            "2026-04-10",
            "--reason",
            "Promesse",
            "--amount",
            "500,00",
            today="2026-03-27",
        )[0]
        == 0
    )
    assert cli.json("dossier", "show", "D000001", today="2026-03-27")["status"] == "paused"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["dossier", "open", "CNOBODY", "--scenario", BUILTIN_NAME], "'CNOBODY'"),
        (["dossier", "open", "CDUPONT", "--scenario", "Nope"], "'Nope'"),
        (
            ["dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME, "--date", "2026-02-31"],
            "'2026-02-31'",
        ),
        (["dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME, "--agent", "ghost"], "'ghost'"),
        (["dossier", "open", "CVIDE", "--scenario", BUILTIN_NAME], "CVIDE"),
        (["dossier", "show", "D999"], "'D999'"),
        (["dossier", "list", "--status", "lost"], "'lost'"),
        (["intervention", "done", "999"], "999"),
        (["intervention", "add", "D000001", "--type", "pigeon"], "'pigeon'"),
        (["import", "csv", "/nonexistent/file.csv"], "/nonexistent/file.csv"),
        (["scenario", "import", "/nonexistent/s.toml"], "/nonexistent/s.toml"),
        (["scenario", "export", "Nope"], "'Nope'"),
        (["settings", "set", "auto_close", "maybe"], "'maybe'"),
        (["settings", "set", "colour", "blue"], "'colour'"),
        (["settings", "set", "holiday_country", "XX"], "'XX'"),
        (["--today", "27/13/2026", "run"], "'27/13/2026'"),
        (["users", "add", "x", "--role", "king"], "king"),
        (["demo", "--size", "huge"], "'huge'"),
    ],
)
def test_bad_input_says_what_and_writes_nothing(cli: Cli, args: list[str], needle: str) -> None:
    before = cli.dump()
    code, out, err = cli(*args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    assert cli.dump() == before


def test_bad_step_and_refused_roles(cli: Cli) -> None:
    cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)
    before = cli.dump("dossier", "entry", "intervention")
    code, _, err = cli("dossier", "step", "D000001", "12")
    assert code == 2 and "12" in err and "1 to 10" in err
    assert cli("users", "add", "zoe", "--role", "auditor")[0] == 0
    code, _, err = cli("intervention", "done", "1", user="zoe")
    assert code == 2 and "auditor" in err
    code, _, err = cli("users", "add", "eve", "--role", "manager", user="zoe")
    assert code == 2 and "manager" in err
    assert cli.dump("dossier", "entry", "intervention") == before


def test_settings_show_and_set(cli: Cli) -> None:
    settings = cli.json("settings", "show")
    for key in (
        "reminder_period_days",
        "penalty_rate",
        "indemnity_amount",
        "business_days",
        "holiday_country",
        "auto_close",
        "customer_account_prefix",
        "open_access",
    ):
        assert key in settings
    assert cli("settings", "set", "business_days", "false")[0] == 0
    assert cli.json("settings", "show")["business_days"] is False


def test_scenario_export_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    code, toml_text, _ = cli("scenario", "export", BUILTIN_NAME)
    assert code == 0 and 'loss_percent = "20"' in toml_text and 'fees = "30.00"' in toml_text
    path = tmp_path / "s.toml"
    path.write_text(toml_text.replace(BUILTIN_NAME, "Copie"), encoding="utf-8")
    assert cli("scenario", "import", str(path))[0] == 0
    assert cli("scenario", "export", "Copie")[1] == toml_text.replace(BUILTIN_NAME, "Copie")
    names = [s["name"] for s in cli.json("scenario", "list")]
    assert names == [BUILTIN_NAME, "Copie"]
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "X"\n[[steps]]\nname = "A"\ndelay = -1\n', encoding="utf-8")
    code, _, err = cli("scenario", "import", str(bad))
    assert code == 2 and "delay" in err and "-1" in err
    bad.write_text('name = "X"\n[[steps]]\nname = "A"\nrisk = "Ruiné"\n', encoding="utf-8")
    code, _, err = cli("scenario", "import", str(bad))
    assert code == 2 and "Ruiné" in err and "Insolvable" in err


def test_shrinking_a_scenario_under_open_dossiers_is_refused(cli: Cli, tmp_path: Path) -> None:
    cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)
    cli("dossier", "step", "D000001", "5")
    path = tmp_path / "short.toml"
    path.write_text(f'name = "{BUILTIN_NAME}"\n[[steps]]\nname = "Appel"\n', encoding="utf-8")
    code, _, err = cli("scenario", "import", str(path))
    assert code == 2 and "1 open dossier" in err


def test_uninitialised_database_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none" / "db.sqlite3"
    assert main(["--db", str(missing), "dossier", "list"]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not missing.parent.exists()
