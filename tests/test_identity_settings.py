"""The company's identity settings (engine.settings, engine.identity): each checked when set,
stored compact, refused with a message naming the setting, the value and what is expected,
nothing written; the SMTP password never shown in clear.

The command-line tests run through ``tui.cli.main`` on both backends (the ``db`` fixture).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from engine.errors import UserError
from engine.identity import address_lines, email_address, postal_address
from engine.inert import first_unsafe
from engine.settings import MASK, Settings, parse_setting, set_setting
from models.tables import Setting
from tests.conftest import TestDB
from tests.test_validation import Cli

IBAN = "FR14 2004 1010 0505 0001 3M02 606"
IBAN_COMPACT = "FR1420041010050500013M02606"
DE_IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


GOOD = [
    ("company_siren", "732 829 320", "732829320"),
    ("company_siren", "732 829 320 00074", "73282932000074"),
    ("company_vat", "fr 40 303 265 045", "FR40303265045"),
    ("company_iban", "fr14 2004 1010 0505 0001 3m02 606", IBAN_COMPACT),
    ("company_bic", "bnpafrpp", "BNPAFRPP"),
    ("company_bic", "BNPAFRPPXXX", "BNPAFRPPXXX"),
    ("company_email", " compta@masociete.fr ", "compta@masociete.fr"),
    ("smtp_from", "relances@masociete.fr", "relances@masociete.fr"),
    ("smtp_port", "465", "465"),
    ("smtp_port", "65535", "65535"),
    ("company_phone", "+33 (0)1 23.45-67-89", "+33 (0)1 23.45-67-89"),
    ("company_address", "12 rue de la Paix\\n75002 Paris", "12 rue de la Paix\n75002 Paris"),
    ("company_address", "12 rue de la Paix\n 75002 Paris \n", "12 rue de la Paix\n75002 Paris"),
    ("company_address", "a\\nb\\nc\\nd\\ne\\nf", "a\nb\nc\nd\ne\nf"),
    ("outbox_dir", "~/outbox", "~/outbox"),
    ("outbox_dir", "/srv/outbox", "/srv/outbox"),
    ("company_siren", "", ""),
    ("company_iban", "  ", ""),
]

BAD = [
    ("company_siren", "732 829 321", "SIREN"),  # wrong check digit
    ("company_siren", "73282932000075", "SIRET"),  # wrong check digit
    ("company_siren", "12345", "9 digits"),
    ("company_vat", "FR41303265045", "VAT"),
    ("company_vat", "303265045", "country prefix"),
    ("company_iban", "FR15 2004 1010 0505 0001 3M02 606", "checksum"),
    ("company_iban", "not an iban", "IBAN"),
    ("company_bic", "BNPAZZPP", "BIC"),
    ("company_bic", "BNP", "BIC"),
    ("company_email", "compta@masociete.fr\nBcc: victim@example.com", "control character"),
    ("company_email", "Compta <compta@masociete.fr>", "without a name"),
    ("company_email", "a@b.fr, c@d.fr", "one e-mail address"),
    ("company_email", "compta", "e-mail"),
    ("company_email", "compta@masociete", "e-mail"),
    ("smtp_from", "x@y.fr\r\nSubject: hi", "control character"),
    ("smtp_port", "0", "1 to 65535"),
    ("smtp_port", "65536", "1 to 65535"),
    ("smtp_port", "5x", "1 to 65535"),
    ("company_phone", "01 23 45 ext 6", "digits"),
    ("company_phone", "+-()", "digits"),
    ("company_address", "1\\n2\\n3\\n4\\n5\\n6\\n7", "at most 6 lines"),
    ("company_address", "12 rue\x1b[2J de la Paix", "control character"),
    ("outbox_dir", "relative/outbox", "absolute"),
    ("company_name", "Ma\x07 Société", "control character"),
    ("company_signatory", "Jean\u202eDupont", "control character"),
    ("smtp_host", "smtp.example.com\nRCPT", "control character"),
]


@pytest.mark.parametrize(("key", "value", "stored"), GOOD)
def test_good_values_are_stored_compact(db: TestDB, key: str, value: str, stored: str) -> None:
    with db.ctx() as ctx:
        set_setting(ctx.session, key, value, ctx.actor)
    with db.session() as session:
        row = session.get(Setting, key)
        assert (row.value if row else "") == stored
        Settings.load(session).get(key)  # reads back


@pytest.mark.parametrize(("key", "value", "needle"), BAD)
def test_bad_values_are_refused_by_the_engine(key: str, value: str, needle: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_setting(key, value)
    message = caught.value.message
    assert key in message and repr(value) in message and needle in message


@pytest.mark.parametrize(("key", "value", "needle"), BAD)
def test_bad_values_are_refused_on_the_command_line(
    cli: Cli, key: str, value: str, needle: str
) -> None:
    err = cli.refused("settings", "set", key, value, needle=needle)
    assert key in err


@pytest.mark.parametrize(("key", "value", "stored"), GOOD[:12])
def test_good_values_on_the_command_line(cli: Cli, key: str, value: str, stored: str) -> None:
    code, _out, err = cli("settings", "set", key, value)
    assert code == 0, err
    shown = cli.json("settings", "show")[key]
    assert str(shown) == stored


def test_iban_is_shown_grouped_and_bic_must_be_of_its_country(cli: Cli) -> None:
    code, out, _err = cli("settings", "set", "company_iban", IBAN_COMPACT)
    assert code == 0 and IBAN in out
    assert IBAN in cli("settings", "show")[1]
    assert cli.json("settings", "show")["company_iban"] == IBAN_COMPACT
    err = cli.refused("settings", "set", "company_bic", "DEUTDEFF", needle="same country")
    assert "company_bic" in err and "DE" in err and "FR" in err
    assert cli("settings", "set", "company_bic", "BNPAFRPP")[0] == 0
    # Changing the IBAN to another country's is refused while the BIC stays French.
    cli.refused("settings", "set", "company_iban", DE_IBAN, needle="company_bic")
    assert cli("settings", "set", "company_bic", "")[0] == 0
    assert cli("settings", "set", "company_iban", DE_IBAN)[0] == 0
    assert cli("settings", "set", "company_bic", "DEUTDEFF")[0] == 0


def test_the_smtp_password_is_never_shown(cli: Cli) -> None:
    assert cli.json("settings", "show")["smtp_password"] == ""
    code, out, _err = cli("settings", "set", "smtp_password", "s3cr3t-pw")
    assert code == 0 and "s3cr3t-pw" not in out and MASK in out
    code, out, _err = cli("settings", "show")
    assert code == 0 and "s3cr3t-pw" not in out and MASK in out
    assert cli.json("settings", "show")["smtp_password"] == MASK
    err = cli.refused("settings", "set", "smtp_password", "pw\x07x", needle="smtp_password")
    assert "pw" not in err.replace("smtp_password", "")


def test_address_is_shown_as_it_is_typed(cli: Cli) -> None:
    assert cli("settings", "set", "company_address", "12 rue de la Paix\\n75002 Paris")[0] == 0
    _code, out, _err = cli("settings", "show")
    assert "12 rue de la Paix\\n75002 Paris" in out
    assert cli.json("settings", "show")["company_address"] == "12 rue de la Paix\n75002 Paris"


def test_a_stored_value_that_no_longer_passes_names_the_setting(db: TestDB) -> None:
    with db.session() as session:
        session.add(Setting(key="company_iban", value="FR00 garbage"))
    with db.session() as session, pytest.raises(UserError, match="company_iban"):
        Settings.load(session).get("company_iban")


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_an_accepted_email_is_one_header_safe_address(text: str) -> None:
    try:
        address = email_address(text)
    except ValueError:
        return
    assert address.count("@") == 1
    assert not set(address) & set('\r\n<>,;:"()[]\\ \t')


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_an_accepted_address_is_stable_and_at_most_six_plain_lines(text: str) -> None:
    try:
        stored = postal_address(text)
    except ValueError:
        return
    assert postal_address(stored) == stored
    assert len(address_lines(stored)) <= 6
    assert all(first_unsafe(line) is None for line in stored.split("\n"))
