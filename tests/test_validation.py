"""Validation and repeat-safety: one parser per kind (amounts, percentages) everywhere, the
manager checks in the engine, the last manager kept, deactivated users refused, and commands
that, repeated, write nothing (docs/RULES.md; docs/COMMANDS.md, "Exit statuses").

The command-line tests run through ``tui.cli.main`` on both backends (the ``db`` fixture).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from engine.access import Actor, add_user, authenticate
from engine.errors import Forbidden, UserError
from engine.parsing import InvalidNumber, parse_amount, parse_percent
from engine.scenarios import (
    BUILTIN_NAME,
    COURTESY,
    export_toml,
    install_defaults,
    save_scenario,
)
from engine.settings import Settings, set_setting
from models.tables import Dossier, Scenario, User
from tests.conftest import MANAGER, TestDB
from tests.factories import add_customer, add_entry
from tui.cli import main

TODAY = "2026-03-02"
NOT_FINITE = ("NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-inf")


# --- helpers ---------------------------------------------------------------------------------


def dump(db: TestDB) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key."""
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(sa_select(table).order_by(*table.primary_key.columns))
            ]
            for table in SQLModel.metadata.sorted_tables
        }


class Cli:
    def __init__(self, db: TestDB, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str, user: str = MANAGER, today: str = TODAY) -> tuple[int, str, str]:
        code = main(["--db", self.db.url, "--user", user, "--today", today, *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str, **kw: Any) -> Any:
        code, out, err = self(*args, "--json", **kw)
        assert code == 0, err
        return json.loads(out)

    def refused(self, *args: str, needle: str, user: str = MANAGER) -> str:
        """Run a command that must be refused: exit 2, one line naming ``needle``, no
        traceback, and not one row changed anywhere."""
        before = dump(self.db)
        code, out, err = self(*args, user=user)
        assert code == 2, (out, err)
        assert needle in err, err
        assert "Traceback" not in out + err
        assert len(err.strip().splitlines()) == 1, err
        assert dump(self.db) == before
        return err

    def unchanged(self, *args: str, user: str = MANAGER) -> str:
        """Run a command that must succeed and write nothing at all."""
        before = dump(self.db)
        code, out, err = self(*args, user=user)
        assert code == 0, err
        assert dump(self.db) == before
        return out


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    with db.session() as session:
        customer = add_customer(session)
        add_entry(
            session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F1"
        )
    return Cli(db, capsys)


def scenario_file(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- the parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*NOT_FINITE, "", " ", "abc", "1e3", "1_000", "12..5", "--1"])
def test_parse_amount_refuses_what_is_not_a_plain_number(value: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_amount(value, "fees")
    assert repr(value) in caught.value.message and "fees" in caught.value.message
    assert "1200.50" in caught.value.expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", "1200.00"),
        ("1200.5", "1200.50"),
        ("1200,5", "1200.50"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        (" 0,005 ", "0.01"),  # half-up
        ("-0", "0.00"),
        (".5", "0.50"),
    ],
)
def test_parse_amount_reads_the_usual_forms(text: str, expected: str) -> None:
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(("value", "minimum"), [("-5", "0"), ("0", "0.01"), ("0,004", "0.01")])
def test_parse_amount_minimum_is_named(value: str, minimum: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_amount(value, "--amount", minimum=Decimal(minimum))
    assert repr(value) in caught.value.message
    assert f"an amount of {minimum} or more" in caught.value.message


def test_parse_amount_refuses_amounts_too_large_to_store() -> None:
    with pytest.raises(InvalidNumber, match="at most"):
        parse_amount("1" + "0" * 40)
    assert parse_amount("999 999 999 999,99") == Decimal("999999999999.99")


@pytest.mark.parametrize("value", [*NOT_FINITE, "-1", "100.01", "101", "x", ""])
def test_parse_percent_is_finite_from_0_to_100(value: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_percent(value, "loss_percent")
    assert repr(value) in caught.value.message
    assert "0 to 100" in caught.value.expected


def test_parse_percent_reads_the_usual_forms() -> None:
    assert parse_percent("12,15") == Decimal("12.15")
    assert parse_percent("20 %") == Decimal("20")
    assert parse_percent("0") == 0 and parse_percent("100") == 100


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("indemnity_amount", "NaN"),
        ("indemnity_amount", "Infinity"),
        ("indemnity_amount", "-1"),
        ("indemnity_amount", "-0.01"),
        ("penalty_rate", "NaN"),
        ("penalty_rate", "-Infinity"),
        ("penalty_rate", "101"),
        ("reminder_period_days", "1_0"),
        ("reminder_period_days", "-1"),
        ("payment_terms_days", "99999999999"),
        ("document_language", "de"),
    ],
)
def test_bad_setting_values_are_refused_naming_them(cli: Cli, key: str, value: str) -> None:
    with cli.db.ctx() as ctx, pytest.raises(UserError) as caught:
        set_setting(ctx.session, key, value, ctx.actor)
    assert repr(value) in caught.value.message and key in caught.value.message
    assert "expected" in caught.value.message
    cli.refused("settings", "set", key, "--", value, needle=repr(value))


def test_settings_are_for_managers_in_the_engine(cli: Cli) -> None:
    agent = Actor("alice", "agent")
    with cli.db.ctx() as ctx, pytest.raises(Forbidden, match="manager"):
        set_setting(ctx.session, "penalty_rate", "12", agent)
    cli("users", "add", "alice", "--role", "agent")
    cli.refused("settings", "set", "penalty_rate", "12", user="alice", needle="manager")


def test_setting_a_value_again_writes_nothing(cli: Cli) -> None:
    assert cli("settings", "set", "indemnity_amount", "45,5")[0] == 0
    cli.unchanged("settings", "set", "indemnity_amount", "45.50")


def test_settings_show_json_is_typed(cli: Cli) -> None:
    shown = cli.json("settings", "show")
    assert shown["business_days"] is True and shown["open_access"] is False
    assert shown["auto_close"] is True
    assert shown["reminder_period_days"] == 10 and shown["payment_terms_days"] == 30
    assert shown["indemnity_amount"] == "40.00"
    assert shown["penalty_rate"] is None
    assert shown["holiday_country"] == "FR" and shown["currency"] == "EUR"
    assert shown["customer_account_prefix"] == "411"
    assert isinstance(shown["company_name"], str)
    assert shown["document_language"] == "fr"
    assert cli("settings", "set", "penalty_rate", "12,15")[0] == 0
    assert cli("settings", "set", "open_access", "oui")[0] == 0
    shown = cli.json("settings", "show")
    assert shown["penalty_rate"] == "12.15" and shown["open_access"] is True


# --- scenario files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('fees = "NaN"', "'NaN'"),
        ('fees = "Infinity"', "'Infinity'"),
        ('fees = "-1"', "'-1'"),
        ("fees = nan", "nan"),
        ("fees = -inf", "-inf"),
        ('loss_percent = "NaN"', "'NaN'"),
        ('loss_percent = "-Infinity"', "'-Infinity'"),
        ("loss_percent = inf", "inf"),
        ('loss_percent = "101"', "'101'"),
    ],
)
def test_bad_numbers_in_a_scenario_file_are_refused(
    cli: Cli, tmp_path: Path, line: str, needle: str
) -> None:
    path = scenario_file(tmp_path, f'name = "X"\n[[steps]]\nname = "A"\n{line}\n')
    err = cli.refused("scenario", "import", path, needle=needle)
    assert line.split(" ")[0] in err and "expected" in err


def test_scenarios_are_for_managers_in_the_engine(cli: Cli, tmp_path: Path) -> None:
    with cli.db.ctx() as ctx, pytest.raises(Forbidden, match="manager"):
        save_scenario(ctx.session, COURTESY, actor=Actor("alice", "agent"))
    with cli.db.session() as session:
        save_scenario(session, COURTESY, actor=None)  # the system (init, bootstrap)
        install_defaults(session)
    assert [s["name"] for s in cli.json("scenario", "list")] == [BUILTIN_NAME, COURTESY.name]
    cli("users", "add", "alice", "--role", "agent")
    path = scenario_file(tmp_path, 'name = "X"\n[[steps]]\nname = "A"\n')
    cli.refused("scenario", "import", path, user="alice", needle="manager")


def test_importing_the_same_scenario_again_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    code, text, _err = cli("scenario", "export", BUILTIN_NAME)
    assert code == 0
    out = cli.unchanged("scenario", "import", scenario_file(tmp_path, text))
    assert "nothing changed" in out
    changed = text.replace("delay = 7", "delay = 8")
    assert changed != text
    path = scenario_file(tmp_path, changed, "changed.toml")
    with cli.db.session() as session:
        version = session.exec(select(Scenario.version).where(Scenario.name == BUILTIN_NAME)).one()
    assert cli("scenario", "import", path)[0] == 0
    with cli.db.session() as session:
        scenario = session.exec(select(Scenario).where(Scenario.name == BUILTIN_NAME)).one()
        assert scenario.version == version + 1
        assert "delay = 8" in export_toml(session, BUILTIN_NAME)
    cli.unchanged("scenario", "import", path)


def test_renaming_the_step_open_dossiers_are_at_is_refused(cli: Cli, tmp_path: Path) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    code, text, _err = cli("scenario", "export", BUILTIN_NAME)
    assert code == 0
    # The dossier's current to-do is step 1, "Relance téléphonique".
    inserted = text.replace(
        "[[steps]]", '[[steps]]\nname = "Courriel"\ndelay = 0\ntype = "email"\n\n[[steps]]', 1
    )
    err = cli.refused(
        "scenario", "import", scenario_file(tmp_path, inserted), needle="1 open dossier"
    )
    assert "'Relance téléphonique'" in err and "'Courriel'" in err
    renamed = text.replace('name = "Relance téléphonique"', 'name = "Appel"', 1)
    cli.refused("scenario", "import", scenario_file(tmp_path, renamed, "r.toml"), needle="'Appel'")
    # Other fields of that step may change; so may the steps no open dossier is at.
    edited = text.replace('type = "phone"', 'type = "visit"', 1).replace(
        'name = "Envoi 1ère relance"', 'name = "Première relance"'
    )
    assert edited.count("visit") == 1 and "Première relance" in edited
    code, _out, err = cli("scenario", "import", scenario_file(tmp_path, edited, "e.toml"))
    assert code == 0, err
    shown = cli.json("dossier", "show", "D000001")
    todo = [i for i in shown["interventions"] if i["status"] == "todo"]
    assert [(i["step_no"], i["step"]) for i in todo] == [(1, "Relance téléphonique")]


def test_closed_dossiers_do_not_hold_a_step(cli: Cli, tmp_path: Path) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    with cli.db.session() as session:
        dossier = session.exec(select(Dossier)).one()
        dossier.status = "closed"
    code, text, _err = cli("scenario", "export", BUILTIN_NAME)
    renamed = text.replace('name = "Relance téléphonique"', 'name = "Appel"', 1)
    code, _out, err = cli("scenario", "import", scenario_file(tmp_path, renamed))
    assert code == 0, err


# --- command-line options --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "-5", "0", "0,00", "abc"])
def test_bad_promised_amounts_are_refused(cli: Cli, value: str) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    cli.refused(
        "dossier",
        "pause",
        "D000001",
        "--until",
        "2026-03-20",
        f"--amount={value}",  # "--amount -inf" would read -inf as an option
        needle=repr(value),
    )
    cli.refused(
        "intervention",
        "add",
        "D000001",
        "--type",
        "phone",
        f"--promise-amount={value}",
        needle=repr(value),
    )


@pytest.mark.parametrize("value", ["foo://", "://nothing", "mysql://x/y", "postgresql+nope://h/d"])
def test_a_bad_database_value_is_named(
    value: str, capsys: pytest.CaptureFixture[str], db: TestDB
) -> None:
    assert main(["--db", value, "--user", MANAGER, "dossier", "list"]) == 2
    err = capsys.readouterr().err
    assert repr(value) in err and "SQLite" in err and "Unexpected" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_password_in_a_bad_database_url_is_not_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--db", "postgresql://me:s3cret@host:port/db", "dossier", "list"]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "me:***@host" in err


def test_an_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    assert main(["--db", url, "--user", MANAGER, "dossier", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot use the database") and len(err.strip().splitlines()) == 1


# --- users -----------------------------------------------------------------------------------


def test_adding_a_user_again_writes_nothing(cli: Cli) -> None:
    assert cli("users", "add", "alice", "--role", "agent", "--name", "Alice")[0] == 0
    cli.unchanged("users", "add", "alice", "--role", "agent", "--name", "Alice")
    cli.unchanged("users", "add", "alice", "--role", "agent")  # no --name: name kept
    cli.unchanged("users", "add", MANAGER, "--role", "manager")
    with cli.db.session() as session:
        version = session.get(User, "alice").version  # type: ignore[union-attr]
    assert cli("users", "add", "alice", "--role", "auditor")[0] == 0
    with cli.db.session() as session:
        user = session.get(User, "alice")
        assert user is not None and (user.role, user.version) == ("auditor", version + 1)


def test_the_last_manager_cannot_be_demoted_or_deactivated(cli: Cli) -> None:
    err = cli.refused("users", "add", MANAGER, "--role", "agent", needle="last active manager")
    assert MANAGER in err
    cli.refused("users", "add", MANAGER, "--role", "manager", "--inactive", needle="last active")
    with cli.db.session() as session, pytest.raises(UserError, match="last active manager"):
        add_user(session, None, MANAGER, "auditor")
    assert cli("users", "add", "marie", "--role", "manager")[0] == 0
    assert cli("users", "add", MANAGER, "--role", "agent")[0] == 0
    cli.refused("users", "add", "marie", "--role", "agent", user="marie", needle="last active")


def test_users_list_is_for_managers(cli: Cli) -> None:
    assert cli("users", "add", "alice", "--role", "agent")[0] == 0
    cli.refused("users", "list", user="alice", needle="manager")
    assert [u["login"] for u in cli.json("users", "list")] == ["alice", MANAGER]


def test_a_deactivated_user_is_refused_even_with_open_access(cli: Cli) -> None:
    assert cli("users", "add", "alice", "--role", "agent")[0] == 0
    assert cli("users", "add", "alice", "--role", "agent", "--inactive")[0] == 0
    assert cli("settings", "set", "open_access", "true")[0] == 0
    cli.refused("dossier", "list", user="alice", needle="'alice'")
    assert cli("dossier", "list", user="stranger")[0] == 0  # open access for the unknown
    with cli.db.session() as session:
        settings = Settings.load(session)
        with pytest.raises(Forbidden, match="deactivated"):
            authenticate(session, "alice", settings)
        assert authenticate(session, "stranger", settings).role == "agent"
    assert cli("users", "add", "alice", "--role", "agent")[0] == 0  # reactivated
    assert cli("dossier", "list", user="alice")[0] == 0


# --- the daily pass --------------------------------------------------------------------------


def test_run_lists_what_falls_due(cli: Cli) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    code, out, err = cli("run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Daily pass for 2026-03-02")
    header = next(line for line in lines if line.startswith("planned"))
    assert header.split() == [
        "planned",
        "id",
        "dossier",
        "customer",
        "agent",
        "type",
        "step",
        "pause",
    ]
    assert any("D000001" in line and "Relance téléphonique" in line for line in lines)
    report = cli.json("run")
    assert [(r["dossier"], r["step_no"]) for r in report["due_today"]] == [("D000001", 1)]
