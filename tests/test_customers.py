"""One customer and its entries on the command line (docs/COMMANDS.md): ``customers show``,
``customers edit`` (identity, consumer, reminders, note; docs/RULES.md) and ``entry
exclude`` (a disputed invoice stays out of new dossiers), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from engine.access import add_user
from engine.customers import edit_customer, exclude_entry, parse_yes_no
from engine.errors import Conflict, UserError
from engine.scenarios import BUILTIN_NAME
from models.tables import Customer, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import Cli

VALID_SIREN = "732829320"  # check digit right (Luhn)


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    """CDUPONT owes an overdue invoice (F1), a not-yet-due one (F2) and has a credit note;
    alice is an agent, audrey an auditor."""
    with db.session() as session:
        add_user(session, None, "alice", "agent", "Alice")
        add_user(session, None, "audrey", "auditor", "Audrey")
        customer = add_customer(session, "CDUPONT", "Dupont Frères")
        add_entry(
            session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F1"
        )
        add_entry(
            session, customer, "invoice", "2026-02-20", "300.00", due="2026-03-20", invoice="F2"
        )
        add_entry(session, customer, "credit_note", "2026-01-20", "100.50", invoice="AV1")
        add_customer(session, "CVIDE", "Société Sans Dette")
    return Cli(db, capsys)


def entry_id(db: TestDB, invoice: str) -> int:
    with db.session() as session:
        ident = session.exec(select(Entry.id).where(Entry.invoice == invoice)).one()
        assert ident is not None
        return ident


def customer(db: TestDB, code: str = "CDUPONT") -> Customer:
    with db.session() as session:
        found = session.exec(select(Customer).where(Customer.code == code)).one()
        session.expunge(found)
        return found


# --- customers show ---------------------------------------------------------------------------


def test_show_json_has_the_contract_keys(cli: Cli) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    card = cli.json("customers", "show", "CDUPONT")
    assert list(card)[:14] == [
        "code",
        "name",
        "address",
        "email",
        "phone",
        "siren",
        "consumer",
        "no_reminders",
        "risk",
        "outstanding",
        "overdue",
        "contacts",
        "entries",
        "dossiers",
    ]
    assert (card["code"], card["name"], card["consumer"], card["no_reminders"]) == (
        "CDUPONT",
        "Dupont Frères",
        False,
        False,
    )
    assert (card["outstanding"], card["overdue"], card["risk"]) == ("1399.50", "1200.00", None)
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
        "open_amount",
        "excluded",
    }
    assert all(entry_keys <= set(e) for e in card["entries"])
    assert [(e["invoice"], e["open_amount"]) for e in card["entries"]] == [
        ("AV1", "-100.50"),  # no due date: at its own date
        ("F1", "1200.00"),
        ("F2", "300.00"),
    ]
    assert card["dossiers"][0]["number"] == "D000001"
    assert {"number", "status", "balance"} <= set(card["dossiers"][0])
    assert card["dossiers"][0]["balance"] == "1099.50"
    assert card["contacts"] == []
    assert cli.json("customers", "show", " CDUPONT ")["code"] == "CDUPONT"


def test_show_text_is_readable(cli: Cli) -> None:
    assert (
        cli("customers", "edit", "CDUPONT", "--consumer", "oui", "--note", "Litige en cours")[0]
        == 0
    )
    code, out, err = cli("customers", "show", "CDUPONT")
    assert code == 0, err
    assert out.startswith("CDUPONT · Dupont Frères\n")
    assert "Consumer: yes" in out and "No reminders: no" in out
    assert "Outstanding: 1399.50" in out and "Overdue: 1200.00" in out
    assert "Note: Litige en cours" in out
    assert "Open entries" in out and "F1" in out and "1200.00" in out
    assert "excluded" not in out
    cli("entry", "exclude", str(entry_id(cli.db, "F2")))
    line = next(x for x in cli("customers", "show", "CDUPONT")[1].splitlines() if "F2" in x)
    assert line.rstrip().endswith("excluded")


# --- customers edit ---------------------------------------------------------------------------


def test_edit_changes_every_field_and_the_history_says_so(cli: Cli) -> None:
    code, out, err = cli(
        "customers",
        "edit",
        "CDUPONT",
        "--name",
        "  Dupont Frères SARL ",
        "--address",
        "12 rue des Lilas, 75011 Paris",
        "--email",
        "compta@dupont.fr",
        "--phone",
        "+33 1 23 45 67 89",
        "--siren",
        "732 829 320",
        "--consumer",
        "yes",
        "--no-reminders",
        "1",
        "--note",
        "Appeler le matin",
        user="alice",
    )
    assert code == 0, err
    assert out.strip() == "Customer CDUPONT saved."
    saved = customer(cli.db)
    assert (
        saved.name,
        saved.address,
        saved.email,
        saved.phone,
        saved.siren,
        saved.consumer,
        saved.excluded_from_reminders,
        saved.note,
        saved.version,
    ) == (
        "Dupont Frères SARL",
        "12 rue des Lilas, 75011 Paris",
        "compta@dupont.fr",
        "+33 1 23 45 67 89",
        VALID_SIREN,  # stored compact
        True,
        True,
        "Appeler le matin",
        2,
    )
    card = cli.json("customers", "show", "CDUPONT")
    assert (card["siren"], card["consumer"], card["no_reminders"], card["note"]) == (
        VALID_SIREN,
        True,
        True,
        "Appeler le matin",
    )
    with cli.db.session() as session:
        row = session.exec(
            select(History).where(
                History.table_name == "customer",
                History.record_id == str(saved.id),
                History.action == "update",
            )
        ).one()
    assert row.login == "alice"
    assert json.loads(row.before or "{}")["consumer"] is False
    after = json.loads(row.after or "{}")
    assert after["consumer"] is True and after["siren"] == VALID_SIREN
    # The same values again write nothing; clearing a field is an empty value.
    again = cli.unchanged(
        "customers", "edit", "CDUPONT", "--consumer", "oui", "--siren", VALID_SIREN
    )
    assert "nothing changed" in again
    assert cli("customers", "edit", "CDUPONT", "--siren", "", "--consumer", "non")[0] == 0
    assert (customer(cli.db).siren, customer(cli.db).consumer) == ("", False)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--siren", "123456789"), "--siren '123456789' is not a valid SIREN"),
        (("--siren", "73282932"), "expected 9 digits"),
        (("--siren", "ABCDEFGHI"), "--siren 'ABCDEFGHI'"),
        (("--email", "compta.dupont.fr"), "--email 'compta.dupont.fr' is not an e-mail address"),
        (("--email", "a@b"), "--email 'a@b'"),
        (("--email", "a b@c.fr"), "--email 'a b@c.fr'"),
        (("--phone", "call me"), "--phone 'call me' is not a phone number"),
        (("--phone", "+-"), "--phone '+-'"),
        (("--consumer", "maybe"), "Invalid --consumer 'maybe': expected yes or no"),
        (("--consumer", ""), "Invalid --consumer ''"),
        (("--no-reminders", "2"), "Invalid --no-reminders '2': expected yes or no"),
        (("--name", "   "), "--name cannot be empty"),
        (("--name", "x" * 201), "--name is 201 characters long: expected at most 200"),
        (("--address", "x" * 401), "--address is 401 characters long: expected at most 400"),
        (("--note", "n" * 2001), "--note is 2001 characters long: expected at most 2000"),
        (("--phone", "0" * 41), "--phone is 41 characters long: expected at most 40"),
        (("--email", "a" * 195 + "@b.fr1"), "--email is 201 characters long"),
        (("--name", "Evil\x1b[2J"), "--name contains a control character (\\x1b)"),
        (("--note", "a\x00b"), "--note contains a control character (\\x00)"),
        (("--address", "x\ry"), "--address contains a control character (\\r)"),
        (("--name", "Abc\u202edef"), "--name contains a control character (\\u202e)"),
        (("--phone", "01\u2028 02"), "--phone contains a control character (\\u2028)"),
        ((), "Nothing to change for customer CDUPONT: expected at least one of --name"),
    ],
)
def test_edit_refuses_bad_values_naming_the_option(
    cli: Cli, args: tuple[str, ...], needle: str
) -> None:
    cli.refused("customers", "edit", "CDUPONT", *args, needle=needle)


def test_edit_refuses_unknown_customers_and_auditors(cli: Cli) -> None:
    cli.refused("customers", "edit", "NOPE", "--consumer", "yes", needle="Unknown customer 'NOPE'")
    cli.refused(
        "customers",
        "edit",
        "CDUPONT",
        "--consumer",
        "yes",
        user="audrey",
        needle="audrey is a read-only auditor",
    )
    cli.refused("customers", "show", "NOPE", needle="Unknown customer 'NOPE'")
    # A multi-line address and note are kept as typed (tabs and line breaks allowed).
    assert cli("customers", "edit", "CDUPONT", "--address", "1 rue X\n75001 Paris")[0] == 0
    assert customer(cli.db).address == "1 rue X\n75001 Paris"


def test_a_save_from_a_stale_copy_is_refused_and_the_first_kept(db: TestDB) -> None:
    with db.session() as session:
        add_customer(session, "CDUPONT", "Dupont Frères")
    seen = customer(db).version
    with db.ctx() as ctx:
        edit_customer(ctx, "CDUPONT", seen, phone="01 02 03 04 05")
    with (
        pytest.raises(Conflict, match="Customer CDUPONT was changed by someone else"),
        db.ctx() as ctx,
    ):
        edit_customer(ctx, "CDUPONT", seen, consumer=True)
    saved = customer(db)
    assert (saved.phone, saved.consumer, saved.version) == ("01 02 03 04 05", False, 2)


@pytest.mark.parametrize("text", ["yes", "YES", " oui ", "1", "true", "True"])
def test_yes_values(text: str) -> None:
    assert parse_yes_no(text, "--consumer") is True


@pytest.mark.parametrize("text", ["no", "Non", "0", "false", "FALSE"])
def test_no_values(text: str) -> None:
    assert parse_yes_no(text, "--consumer") is False


@pytest.mark.parametrize("text", ["", "y", "2", "oui!", "vrai"])
def test_other_values_are_refused(text: str) -> None:
    with pytest.raises(UserError, match="expected yes or no"):
        parse_yes_no(text, "consumer")


def test_a_consumer_gets_no_recovery_indemnity(cli: Cli) -> None:
    """docs/RULES.md: the fixed indemnity is not charged to a customer marked as a consumer;
    the interest and the fees are."""
    assert cli("settings", "set", "penalty_rate", "12.15")[0] == 0
    assert cli("customers", "edit", "CDUPONT", "--consumer", "yes")[0] == 0
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    assert (
        cli("dossier", "step", "D000001", "7", "--date", "2026-03-20", today="2026-03-20")[0] == 0
    )
    todo = cli.json("actions", today="2026-03-27")[0]
    assert todo["step_no"] == 7
    assert cli("intervention", "done", str(todo["id"]), today="2026-03-27")[0] == 0
    shown = cli.json("dossier", "show", "D000001", today="2026-03-27")
    charges = sorted(
        (e["kind"], e["debit"])
        for e in shown["entries"]
        if e["kind"] in ("fee", "penalty", "indemnity")
    )
    assert charges == [("fee", "30.00"), ("penalty", "21.57")]


# --- entry exclude ----------------------------------------------------------------------------


def test_an_excluded_entry_stays_out_of_new_dossiers_until_undone(cli: Cli) -> None:
    f1 = entry_id(cli.db, "F1")
    code, out, err = cli("entry", "exclude", str(f1), user="alice")
    assert code == 0, err
    assert out.strip() == f"Entry {f1} excluded from reminders and new dossiers."
    assert cli.unchanged("entry", "exclude", str(f1)).strip() == (
        f"Entry {f1} is already excluded: nothing changed."
    )
    # F1 was the only overdue invoice: nothing to collect now.
    cli.refused(
        "dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME, needle="no overdue invoice"
    )
    card = cli.json("customers", "show", "CDUPONT")
    assert [(e["invoice"], e["excluded"]) for e in card["entries"]] == [
        ("AV1", False),
        ("F1", True),
        ("F2", False),
    ]
    assert card["outstanding"] == "1399.50"  # still owed: excluded is not paid
    with cli.db.session() as session:
        history = session.exec(
            select(History).where(
                History.table_name == "entry",
                History.record_id == str(f1),
                History.action == "update",
            )
        ).one()
    assert (history.login, json.loads(history.after or "{}")) == ("alice", {"excluded": True})
    code, out, err = cli("entry", "exclude", str(f1), "--undo")
    assert (code, out.strip()) == (0, f"Entry {f1} is back in reminders and new dossiers."), err
    shown = cli.json("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)
    assert sorted(e["invoice"] for e in shown["entries"]) == ["AV1", "F1"]


def test_excluding_an_entry_of_an_open_dossier_keeps_it_there_shown_excluded(cli: Cli) -> None:
    assert cli("dossier", "open", "CDUPONT", "--scenario", BUILTIN_NAME)[0] == 0
    f1 = entry_id(cli.db, "F1")
    code, out, _err = cli("entry", "exclude", str(f1))
    assert code == 0
    assert out.splitlines()[1] == "It stays in dossier D000001, shown there as excluded."
    shown = cli.json("dossier", "show", "D000001")
    assert [(e["invoice"], e["excluded"]) for e in shown["entries"]] == [
        ("F1", True),
        ("AV1", False),
    ]
    assert shown["principal"] == "1099.50"  # amounts unchanged


def test_exclude_refuses_unknown_ids(cli: Cli) -> None:
    cli.refused("entry", "exclude", "999999", needle="Unknown entry 999999")


@pytest.mark.parametrize("ident", ["0", "-1", str(2**31), str(2**63), str(2**70)])
def test_exclude_refuses_ids_out_of_range(cli: Cli, ident: str) -> None:
    cli.refused(
        "entry",
        "exclude",
        ident,
        needle=f"Invalid entry id '{ident}': expected a whole number from 1 to 2147483647.",
    )


def test_exclude_refuses_auditors_and_bad_ids(cli: Cli) -> None:
    f1 = entry_id(cli.db, "F1")
    cli.refused("entry", "exclude", str(f1), user="audrey", needle="read-only auditor")
    cli.refused("entry", "exclude", "abc", needle="Invalid entry id 'abc'")
    cli.refused("entry", "exclude", needle="the following arguments are required: id")


def test_exclude_service_says_what_changed(db: TestDB) -> None:
    with db.session() as session:
        owner = add_customer(session)
        invoice = add_entry(session, owner, "invoice", "2026-01-02", "10.00", due="2026-02-01")
        assert invoice.id is not None
        ident = invoice.id
    with db.ctx() as ctx:
        assert exclude_entry(ctx, ident) == {
            "id": ident,
            "excluded": True,
            "changed": True,
            "dossier": None,
        }
    with db.ctx() as ctx:
        assert exclude_entry(ctx, ident, False)["changed"] is True
    with db.session() as session:
        entry = session.exec(select(Entry).where(col(Entry.id) == ident)).one()
        assert (entry.excluded, entry.version) == (False, 3)
