"""A customer's contacts (engine.contacts, ``contacts`` commands): checked fields, optimistic
locking, history, and what removing one does to the dossiers that named it.

Both backends (the ``db`` fixture).
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.access import add_user
from engine.contacts import add_contact, edit_contact, remove_contact
from engine.dossiers import open_dossier, update_dossier
from engine.errors import Conflict, Forbidden, NotFound, UserError
from engine.reads.contacts import contact_rows
from engine.scenarios import BUILTIN_NAME
from models.tables import Contact, Dossier, DossierContact, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_validation import Cli


def seed(db: TestDB) -> None:
    with db.session() as session:
        customer = add_customer(session)
        add_entry(
            session, customer, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F1"
        )
        add_customer(session, "CAUTRE", "Autre SA")
        add_user(session, None, "zoe", "auditor", "Zoé")


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    seed(db)
    return Cli(db, capsys)


# --- engine ----------------------------------------------------------------------------------


def test_add_edit_remove_with_history(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        row = add_contact(
            ctx,
            "CDUPONT",
            " Jeanne Martin ",
            "Comptable",
            "jeanne@dupont.fr",
            "01 23 45 67 89",
            "12 rue de la Paix\\n75002 Paris",
        )
    assert row["name"] == "Jeanne Martin" and row["address"] == "12 rue de la Paix\n75002 Paris"
    assert row["customer"] == "CDUPONT" and row["version"] == 1
    ident = row["id"]
    with db.ctx() as ctx:
        changed, did = edit_contact(ctx, ident, 1, email="compta@dupont.fr", address="1 place\n2")
    assert did and changed["email"] == "compta@dupont.fr" and changed["version"] == 2
    with db.ctx() as ctx:  # the same again: nothing written
        _row, did = edit_contact(ctx, ident, email="compta@dupont.fr")
    assert not did
    with db.ctx() as ctx:
        result = remove_contact(ctx, ident)
    assert result["main_of"] == [] and result["unlinked"] == []
    with db.session() as session:
        assert session.get(Contact, ident) is None
        actions = [
            h.action
            for h in session.exec(
                select(History).where(
                    History.table_name == "contact", History.record_id == str(ident)
                )
            )
        ]
    assert sorted(actions) == sorted(["insert", "update", "delete"])


def test_a_stale_edit_is_refused(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        ident = add_contact(ctx, "CDUPONT", "A")["id"]
    with db.ctx() as ctx:
        edit_contact(ctx, ident, 1, name="B")
    with db.ctx() as ctx, pytest.raises(Conflict):
        edit_contact(ctx, ident, 1, name="C")
    with db.session() as session:
        contact = session.get(Contact, ident)
        assert contact is not None and contact.name == "B"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("name", "  ", "cannot be empty"),
        ("email", "a@b.fr\nBcc: c@d.fr", "control character"),
        ("email", "Jean <a@b.fr>", "e-mail"),
        ("phone", "call me", "digits"),
        ("address", "1\\n2\\n3\\n4\\n5\\n6\\n7", "at most 6 lines"),
        ("address", "rue\x1b[2J", "control character"),
        ("role", "x" * 121, "at most 120"),
    ],
)
def test_bad_values_are_refused(db: TestDB, field: str, value: str, needle: str) -> None:
    seed(db)
    with db.ctx() as ctx:
        ident = add_contact(ctx, "CDUPONT", "A")["id"]
    with db.ctx() as ctx, pytest.raises(UserError, match=needle):
        edit_contact(ctx, ident, **{field: value})  # type: ignore[arg-type]
    fields = {"name": "A", field: value}
    with db.ctx() as ctx, pytest.raises(UserError, match=needle):
        add_contact(ctx, "CDUPONT", **fields)  # type: ignore[arg-type]
    with db.session() as session:
        assert [c.id for c in session.exec(select(Contact))] == [ident]


def test_removing_a_main_contact_leaves_its_dossiers_without_one(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        main = add_contact(ctx, "CDUPONT", "Main")["id"]
        other = add_contact(ctx, "CDUPONT", "Other")["id"]
    with db.ctx() as ctx:
        dossier = open_dossier(ctx, "CDUPONT", BUILTIN_NAME)
        number, version = dossier.number, dossier.version
        assert dossier.main_contact_id == main
    with db.ctx() as ctx:
        update_dossier(ctx, number, other_contact_ids=[other])
    with db.ctx() as ctx:
        result = remove_contact(ctx, main)
    assert result["main_of"] == [number] and result["unlinked"] == []
    with db.ctx() as ctx:
        result = remove_contact(ctx, other)
    assert result["main_of"] == [] and result["unlinked"] == [number]
    with db.session() as session:
        row = session.exec(select(Dossier).where(Dossier.number == number)).one()
        assert row.main_contact_id is None and row.version > version
        assert list(session.exec(select(DossierContact))) == []


def test_unknowns_and_roles(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx, pytest.raises(NotFound, match="NOPE"):
        add_contact(ctx, "NOPE", "A")
    with db.ctx() as ctx, pytest.raises(NotFound, match="4242"):
        edit_contact(ctx, 4242, name="A")
    with db.ctx() as ctx, pytest.raises(NotFound, match="4242"):
        remove_contact(ctx, 4242)
    with db.ctx(login="zoe") as ctx, pytest.raises(Forbidden):
        add_contact(ctx, "CDUPONT", "A")
    with db.session() as session:
        assert contact_rows(session, "CDUPONT") == []


# --- command line ----------------------------------------------------------------------------


def test_contacts_commands(cli: Cli) -> None:
    code, out, err = cli(
        "contacts",
        "add",
        "CDUPONT",
        "--name",
        "Jeanne Martin",
        "--role",
        "Comptable",
        "--email",
        "jeanne@dupont.fr",
        "--address",
        "12 rue de la Paix\\n75002 Paris",
    )
    assert code == 0, err
    ident = int(out.strip())
    rows = cli.json("contacts", "list", "CDUPONT")
    assert rows == [
        {
            "id": ident,
            "customer": "CDUPONT",
            "name": "Jeanne Martin",
            "role": "Comptable",
            "email": "jeanne@dupont.fr",
            "phone": "",
            "address": "12 rue de la Paix\n75002 Paris",
            "version": 1,
        }
    ]
    card = cli.json("customers", "show", "CDUPONT")
    assert card["contacts"][0]["address"] == "12 rue de la Paix\n75002 Paris"
    code, out, _err = cli("contacts", "list", "CDUPONT")
    assert "12 rue de la Paix\\n75002 Paris" in out
    assert cli("contacts", "edit", str(ident), "--phone", "01 02 03 04 05")[0] == 0
    cli.unchanged("contacts", "edit", str(ident), "--phone", "01 02 03 04 05")
    assert cli.json("contacts", "list", "CDUPONT")[0]["phone"] == "01 02 03 04 05"
    code, out, _err = cli("contacts", "remove", str(ident))
    assert code == 0 and str(ident) in out
    assert cli.json("contacts", "list", "CDUPONT") == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["contacts", "add", "NOPE", "--name", "A"], "'NOPE'"),
        (["contacts", "add", "CDUPONT", "--name", "A", "--email", "a@b"], "--email"),
        (
            ["contacts", "add", "CDUPONT", "--name", "A", "--email", "x@y.fr\nBcc: z@w.fr"],
            "--email",
        ),
        (["contacts", "add", "CDUPONT", "--name", " "], "--name"),
        (["contacts", "add", "CDUPONT", "--name", "A", "--phone", "abc"], "--phone"),
        (["contacts", "edit", "4242", "--name", "A"], "4242"),
        (["contacts", "edit", "0", "--name", "A"], "'0'"),
        (["contacts", "edit", "1"], "--name"),
        (["contacts", "remove", "4242"], "4242"),
        (["contacts", "list", "NOPE"], "'NOPE'"),
    ],
)
def test_contacts_bad_input_writes_nothing(cli: Cli, args: list[str], needle: str) -> None:
    cli.refused(*args, needle=needle)


def test_contacts_bad_edit_writes_nothing(cli: Cli) -> None:
    _code, out, _err = cli("contacts", "add", "CDUPONT", "--name", "A")
    ident = out.strip()
    cli.refused("contacts", "edit", ident, "--email", "not an address", needle="--email")
    cli.refused("contacts", "remove", ident, user="zoe", needle="auditor")


def test_a_customer_address_takes_several_lines_like_the_company_one(cli: Cli) -> None:
    code, _out, err = cli("customers", "edit", "CDUPONT", "--address", "1 rue A\\n75001 Paris")
    assert code == 0, err
    assert cli.json("customers", "show", "CDUPONT")["address"] == "1 rue A\n75001 Paris"
