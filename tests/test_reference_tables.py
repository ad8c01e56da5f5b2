"""The company's reference tables from the command line: the dated late-payment rate table
(`rates`) and the risk codes (`risks`), with what a missing half-year rate does to the
penalty computation, the daily pass and the dossier detail. Both backends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from engine.bootstrap import initialize
from engine.penalties import ECB_PLUS_TEN, WITHDRAWN_ROW
from engine.reads.dossier_page import dossier_page
from models.tables import Entry, History, PenaltyRate, RiskCode, ScenarioStep
from tests.conftest import MANAGER, TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import Cli, dump

BUILTIN = "Absence paiement - Recouv. amiable"


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(db, capsys)
    assert c("users", "add", "alice", "--role", "agent")[0] == 0
    assert c("users", "add", "audrey", "--role", "auditor")[0] == 0
    return c


def history(db: TestDB, table: str) -> list[tuple[str, str, str]]:
    with db.session() as session:
        return [
            (h.login, h.action, h.record_id)
            for h in session.exec(
                select(History).where(History.table_name == table).order_by(History.id)  # type: ignore[arg-type]
            )
        ]


# -- rates ---------------------------------------------------------------------------------


def test_the_shipped_table_holds_only_published_rates(cli: Cli) -> None:
    rows = cli.json("rates", "list")
    assert rows[-1] == {"start": "2026-01-01", "rate": "12.15", "note": "BCE 2,15 % + 10"}
    assert "2026-07-01" not in [r["start"] for r in rows]
    assert [r["start"] for r in rows] == [start.isoformat() for start, _r, _n in ECB_PLUS_TEN]
    code, out, _err = cli("rates", "list")
    assert code == 0 and "2026-01-01  12.15 %" in out


def test_a_manager_adds_replaces_and_removes_rows_and_history_keeps_each(
    cli: Cli, db: TestDB
) -> None:
    code, out, err = cli("rates", "add", "2026-07-01", "12,40", "--note", "BCE 2,40 % + 10")
    assert (code, err) == (0, "") and "12.40 % added" in out
    code, out, err = cli("rates", "add", "2026-07-01", "12.65")
    assert code == 0 and "12.65 % (replaces 12.40 %)" in out
    # Fixing a rate keeps its note (where the figure comes from); --note "" clears it.
    assert cli.json("rates", "list")[-1] == {
        "start": "2026-07-01",
        "rate": "12.65",
        "note": "BCE 2,40 % + 10",
    }
    assert cli("rates", "add", "2026-07-01", "12.65", "--note", "")[0] == 0
    assert cli.json("rates", "list")[-1] == {"start": "2026-07-01", "rate": "12.65", "note": ""}
    # a start that is not a half-year is accepted, with a warning
    code, out, err = cli("rates", "add", "2026-08-15", "13")
    assert code == 0 and "not the start of a half-year" in err
    code, out, _err = cli("rates", "remove", "2026-08-15")
    assert code == 0 and "2026-08-15 (13 %) removed" in out
    assert [a for _login, a, _id in history(db, "penalty_rate")][-5:] == [
        "insert",
        "update",
        "update",
        "insert",
        "delete",
    ]
    assert {login for login, _a, _id in history(db, "penalty_rate")[-5:]} == {MANAGER}


BAD_RATES = [
    (("rates", "add", "2026-13-01", "12"), "Invalid start date '2026-13-01'"),
    (("rates", "add", "1900-01-01", "12"), "expected a date from 1999-01-01 to 2099-12-31"),
    (("rates", "add", "2026-07-01", "abc"), "Invalid rate 'abc': expected a percentage"),
    (("rates", "add", "2026-07-01", "-1"), "Invalid rate '-1'"),
    (("rates", "add", "2026-07-01", "150"), "Invalid rate '150': expected a percentage from 0"),
    (("rates", "add", "2026-07-01", "NaN"), "Invalid rate 'NaN'"),
    (
        ("rates", "add", "2026-07-01", "12", "--note", "x" * 201),
        "Note is 201 characters long: expected at most 200.",
    ),
    (
        ("rates", "add", "2026-07-01", "12", "--note", "a\x1b]0;X\x07"),
        "Note contains a control character (\\x1b): expected plain text.",
    ),
    (("rates", "add", "2026-07-01", "12", "--note", "a\u202eb"), "character (\\u202e)"),
    (("rates", "add", "2026-07-01", "12", "--note", "a\u2029b"), "character (\\u2029)"),
    (("rates", "add", "2026-07-01"), "the following arguments are required: rate"),
    (("rates", "remove", "2026-07-01"), "No rate starts on 2026-07-01: the rows start on"),
    (("rates", "remove", "demain"), "Invalid start date 'demain'"),
    (("rates",), "expected a subcommand"),
    (("risks", "add", ""), "A risk code cannot be empty"),
    (("risks", "add", "x" * 41), "expected at most 40 characters"),
    (("risks", "add", "normal"), "Risk code 'normal' already exists (as 'Normal')"),
    (("risks", "add", "Bad\x1b[2J"), "Risk code contains a control character (\\x1b)"),
    (("risks", "add", "Bad\u2066"), "Risk code contains a control character (\\u2066)"),
    (("risks", "add", "Ok", "--label", "a\u200fb"), "Label contains a control character"),
    (("risks", "add", "Ok", "--label", "x" * 121), "at most 120 characters"),
    (("risks", "remove", "Ruiné"), "Unknown risk code 'Ruiné': expected one of Normal"),
    (("risks", "remove", "Insolvable"), f"scenario '{BUILTIN}' step 7"),
    (("risks",), "expected a subcommand"),
]


@pytest.mark.parametrize(
    ("argv", "needle"), BAD_RATES, ids=[" ".join(a)[:40] for a, _ in BAD_RATES]
)
def test_bad_input_is_refused_with_one_line_and_nothing_written(
    cli: Cli, argv: tuple[str, ...], needle: str
) -> None:
    cli.refused(*argv, needle=needle)


@pytest.mark.parametrize(
    "argv",
    [
        ("rates", "add", "2026-07-01", "12"),
        ("rates", "remove", "2026-01-01"),
        ("risks", "add", "Redressement"),
        ("risks", "add", "Bad\x07"),
        ("risks", "remove", "Normal"),
        ("rates", "add", "2026-07-01", "abc"),
    ],
)
@pytest.mark.parametrize("user", ["alice", "audrey"])
def test_only_managers_change_the_tables(cli: Cli, argv: tuple[str, ...], user: str) -> None:
    cli.refused(*argv, needle="Only a manager may do this", user=user)


def test_everyone_reads_the_tables(cli: Cli) -> None:
    assert cli.json("rates", "list", user="audrey")
    assert cli.json("risks", "list", user="alice")


def test_init_removes_the_guessed_row_of_earlier_versions_once(db: TestDB) -> None:
    start, rate, note = WITHDRAWN_ROW
    with db.session() as session:
        session.add(PenaltyRate(start=start, rate=rate, note=note))
    initialize(db.engine, MANAGER)
    initialize(db.engine, MANAGER)  # idempotent
    with db.session() as session:
        assert session.exec(select(PenaltyRate).where(PenaltyRate.start == start)).first() is None
        # a row the company entered itself on that day is kept
        session.add(PenaltyRate(start=start, rate=rate, note="BCE 2,15 % + 10 (vérifié)"))
    initialize(db.engine, MANAGER)
    with db.session() as session:
        kept = session.exec(select(PenaltyRate).where(PenaltyRate.start == start)).one()
        assert kept.note == "BCE 2,15 % + 10 (vérifié)"
    assert [a for _l, a, _id in history(db, "penalty_rate")].count("delete") == 1


# -- a half-year without its rate ------------------------------------------------------------


def _dossier_at_step_7(cli: Cli, db: TestDB) -> tuple[str, int]:
    with db.session() as session:
        customer = add_customer(session)
        add_entry(session, customer, "invoice", "2026-05-01", "1000.00", due="2026-05-31")
    code, out, err = cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN, today="2026-06-15")
    assert code == 0, err
    number = out.strip().split()[-1]
    assert cli("dossier", "step", number, "7", "--date", "2026-06-15", today="2026-07-10")[0] == 0
    todo = [
        i
        for i in cli.json("dossier", "show", number, today="2026-07-10")["interventions"]
        if i["status"] == "todo"
    ]
    return number, todo[0]["id"]


def test_penalties_over_a_half_year_without_its_rate_are_refused(cli: Cli, db: TestDB) -> None:
    _number, todo = _dossier_at_step_7(cli, db)
    before = dump(db)
    code, _out, err = cli(
        "intervention", "done", str(todo), "--date", "2026-07-10", today="2026-07-10"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (
        "No late-payment rate for the half-year starting 2026-07-01: add the ECB rate of that "
        "day plus 10 points with `rates add 2026-07-01 RATE` (or set a flat penalty_rate)."
    ) in err
    assert dump(db) == before
    # up to 06-30 the half-year's own row (2026-01-01) applies: no refusal
    code, _out, err = cli(
        "intervention", "done", str(todo), "--date", "2026-06-30", today="2026-07-10"
    )
    assert code == 0, err
    with db.session() as session:
        penalties = session.exec(select(Entry).where(Entry.kind == "penalty")).all()
    assert [e.debit for e in penalties] == [Decimal("9.99")]  # 1,000.00 × 12.15 % × 30 / 365


def test_once_the_row_is_added_or_with_a_flat_rate_penalties_are_charged(
    cli: Cli, db: TestDB
) -> None:
    _number, todo = _dossier_at_step_7(cli, db)
    assert cli("rates", "add", "2026-07-01", "12.40")[0] == 0
    code, _out, err = cli(
        "intervention", "done", str(todo), "--date", "2026-07-10", today="2026-07-10"
    )
    assert code == 0, err
    expected = Decimal(1000) * (Decimal("12.15") * 30 + Decimal("12.40") * 10) / 100 / 365
    with db.session() as session:
        penalty = session.exec(select(Entry).where(Entry.kind == "penalty")).one()
        assert penalty.debit == expected.quantize(Decimal("0.01"))


def test_a_flat_rate_needs_no_table_row(cli: Cli, db: TestDB) -> None:
    _number, todo = _dossier_at_step_7(cli, db)
    assert cli("settings", "set", "penalty_rate", "12.15")[0] == 0
    code, _out, err = cli(
        "intervention", "done", str(todo), "--date", "2026-07-10", today="2026-07-10"
    )
    assert code == 0, err


def test_the_daily_pass_warns_of_the_missing_half_year(cli: Cli) -> None:
    code, out, _err = cli("run", today="2026-07-02")
    assert code == 0
    assert "Warning: No late-payment rate for the half-year starting 2026-07-01" in out
    report = cli.json("run", today="2026-07-02")
    assert len(report["warnings"]) == 1 and "`rates add 2026-07-01 RATE`" in report["warnings"][0]
    assert cli.json("run", today="2026-06-30")["warnings"] == []
    assert cli("rates", "add", "2026-07-01", "12.40")[0] == 0
    assert cli.json("run", today="2026-07-02")["warnings"] == []
    assert cli("settings", "set", "penalty_rate", "12")[0] == 0
    assert cli.json("run", today="2027-01-02")["warnings"] == []


def test_the_detail_warns_on_a_penalty_step_to_do(cli: Cli, db: TestDB) -> None:
    number, _todo = _dossier_at_step_7(cli, db)
    with db.ctx("2026-07-10") as ctx:
        page = dossier_page(ctx, number)
    assert page["rate_warning"] == (
        "Step 7 charges penalties but the rate table has no row for the half-year starting "
        "2026-07-01: a manager adds it with `rates add 2026-07-01 RATE`."
    )
    # The command line says it too: on stderr beside the dossier, in --json as warnings[].
    code, _out, err = cli("dossier", "show", number, today="2026-07-10")
    assert code == 0 and err.strip() == "Warning: " + page["rate_warning"]
    assert cli.json("dossier", "show", number, today="2026-07-10")["warnings"] == [
        page["rate_warning"]
    ]
    assert cli("dossier", "step", number, "6", today="2026-07-10")[0] == 0  # no penalties
    assert cli.json("dossier", "show", number, today="2026-07-10")["warnings"] == []
    with db.ctx("2026-07-10") as ctx:
        assert dossier_page(ctx, number)["rate_warning"] is None
    assert cli("dossier", "step", number, "7", today="2026-07-10")[0] == 0
    assert cli("rates", "add", "2026-07-01", "12.40")[0] == 0
    with db.ctx("2026-07-10") as ctx:
        assert dossier_page(ctx, number)["rate_warning"] is None


def _todo(cli: Cli, number: str) -> dict[str, Any]:
    shown = cli.json("dossier", "show", number, today="2026-03-02")
    return next(i for i in shown["interventions"] if i["status"] == "todo")


def test_the_detail_warns_only_of_a_half_year_the_step_would_compute(cli: Cli, db: TestDB) -> None:
    """Interest already computed through 2026-03-02: a row removed since for an earlier
    half-year is no matter for the next step, which computes from 2026-03-02 on."""
    with db.session() as session:
        customer = add_customer(session)
        add_entry(session, customer, "invoice", "2025-08-01", "1000.00", due="2025-08-31")
    code, out, err = cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN, today="2026-02-16")
    assert code == 0, err
    number = out.strip().split()[-1]
    assert cli("dossier", "step", number, "7", "--date", "2026-02-16", today="2026-03-02")[0] == 0
    todo = _todo(cli, number)
    assert cli("intervention", "done", str(todo["id"]), today="2026-03-02")[0] == 0
    assert cli("dossier", "step", number, "10", today="2026-03-02")[0] == 0
    assert cli("rates", "remove", "2025-07-01", today="2026-03-02")[0] == 0
    with db.ctx("2026-03-02") as ctx:
        assert dossier_page(ctx, number)["rate_warning"] is None
    todo = _todo(cli, number)
    code, _out, err = cli("intervention", "done", str(todo["id"]), today="2026-03-02")
    assert code == 0, err  # what the detail said: nothing is missing for this step


# -- risk codes ------------------------------------------------------------------------------


def test_risk_codes_list_add_remove(cli: Cli, db: TestDB) -> None:
    rows = cli.json("risks", "list")
    assert rows[0] == {"code": "Normal", "label": "Aucun risque particulier", "used": 0}
    assert {r["code"]: r["used"] for r in rows}["Insolvable"] == 1  # the built-in step 7
    code, out, _err = cli("risks", "add", "Redressement", "--label", "Redressement judiciaire")
    assert code == 0 and "'Redressement' added" in out
    assert cli.json("risks", "list")[-1] == {
        "code": "Redressement",
        "label": "Redressement judiciaire",
        "used": 0,
    }
    assert cli("risks", "remove", "Redressement")[0] == 0
    assert cli("risks", "remove", "Normal")[0] == 0
    initialize(db.engine, MANAGER)  # a removed code stays removed on upgrade
    assert [r["code"] for r in cli.json("risks", "list")] == [
        "Surveillé",
        "Douteux",
        "Insolvable",
        "Contentieux",
    ]
    assert [a for _l, a, _id in history(db, "risk_code")][-3:] == ["insert", "delete", "delete"]


def test_a_code_given_to_customers_cannot_be_removed(cli: Cli, db: TestDB) -> None:
    with db.session() as session:
        for code in ("C1", "C2", "C3", "C4", "C5", "C6", "C7"):
            add_customer(session, code, code, risk_code="Douteux")
    cli.refused(
        "risks",
        "remove",
        "Douteux",
        needle="Risk code 'Douteux' is in use and cannot be removed: customers C1, C2, C3, C4, "
        "C5 and 2 more.",
    )
    assert {r["code"]: r["used"] for r in cli.json("risks", "list")}["Douteux"] == 7


SCENARIO = 'name = "Maison"\n[[steps]]\nname = "Appel"\ntype = "phone"\nrisk = "Redressement"\n'


def test_a_scenario_may_use_the_companys_own_code_once_it_exists(
    cli: Cli, db: TestDB, tmp_path: Path
) -> None:
    path = tmp_path / "maison.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    err = cli.refused("scenario", "import", str(path), needle="risk 'Redressement' is invalid")
    assert "Normal, Surveillé, Douteux, Insolvable, Contentieux" in err
    assert cli("risks", "add", "Redressement")[0] == 0
    code, _out, err = cli("scenario", "import", str(path))
    assert code == 0, err
    cli.refused("risks", "remove", "Redressement", needle="scenario 'Maison' step 1")
    with db.session() as session:
        assert session.get(RiskCode, "Redressement") is not None
    # A code is the company's whatever its case, as `risks remove` finds it: stored as written.
    path.write_text(SCENARIO.replace("Redressement", "redressement"), encoding="utf-8")
    code, _out, err = cli("scenario", "import", str(path))
    assert code == 0, err
    with db.session() as session:
        risks = session.exec(select(ScenarioStep.risk).where(ScenarioStep.risk.is_not(None))).all()  # type: ignore[union-attr]
        assert "redressement" not in risks and "Redressement" in risks


def test_rates_json_is_exact(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("rates", "add", "2026-07-01", "12.405", "--note", "précis")[0] == 0
    row = json.loads(cli("rates", "list", "--json")[1])[-1]
    assert row == {"start": "2026-07-01", "rate": "12.405", "note": "précis"}
    assert dt.date.fromisoformat(row["start"])
