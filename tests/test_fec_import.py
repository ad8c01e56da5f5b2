"""FEC import (docs/IMPORT.md "FEC") on SQLite and PostgreSQL, and ``import fec``."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from engine.dossiers import find_dossier, open_dossier
from engine.errors import UserError
from engine.fec_import import FIELDS, FecReport, import_fec, infer_kind
from engine.scenarios import BUILTIN_NAME
from models.tables import Customer, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, d
from tests.test_cli import Cli

HEADER = "\t".join(FIELDS)


def fec_line(
    journal: str = "VT",
    number: str = "1",
    date: str = "20260105",
    account: str = "411000",
    aux: str = "CDUPONT",
    aux_name: str = "Dupont Frères",
    piece: str = "F001",
    piece_date: str = "20260105",
    label: str = "Facture F001",
    debit: str = "1200,00",
    credit: str = "0,00",
    letter: str = "",
    letter_date: str = "",
    extra: tuple[str, ...] = (),
) -> list[str]:
    return [
        journal,
        "Ventes" if journal.startswith("V") else "Banque",
        number,
        date,
        account,
        "Clients" if account.startswith("411") else "Autre",
        aux,
        aux_name,
        piece,
        piece_date,
        label,
        debit,
        credit,
        letter,
        letter_date,
        "20260301",  # ValidDate
        "",
        "",
        *extra,
    ]


def sale(
    number: str,
    aux: str = "CDUPONT",
    amount: str = "1200,00",
    piece: str | None = None,
    date: str = "20260105",
    letter: str = "",
    extra: tuple[str, ...] = (),
) -> list[list[str]]:
    """A sales entry: 411 debit, 706 and 44571 credit (20 % VAT)."""
    total = Decimal(amount.replace(",", "."))
    net = (total / Decimal("1.2")).quantize(Decimal("0.01"))
    vat = total - net
    piece = piece or f"F{number}"
    common: dict[str, Any] = {"journal": "VT", "number": number, "date": date, "piece": piece}
    empty_extra = tuple("" for _ in extra)
    return [
        fec_line(
            **common,
            aux=aux,
            label=f"Facture {piece}",
            debit=amount,
            credit="",
            letter=letter,
            extra=extra,
        ),
        fec_line(
            **common,
            account="706000",
            aux="",
            aux_name="",
            label="Ventes",
            debit="",
            credit=str(net),
            extra=empty_extra,
        ),
        fec_line(
            **common,
            account="445710",
            aux="",
            aux_name="",
            label="TVA",
            debit="",
            credit=str(vat),
            extra=empty_extra,
        ),
    ]


def payment(
    number: str,
    aux: str = "CDUPONT",
    amount: str = "1200.00",
    date: str = "20260210",
    letter: str = "",
    extra: tuple[str, ...] = (),
) -> list[list[str]]:
    """A bank entry: 512 debit, 411 credit."""
    common: dict[str, Any] = {"journal": "BQ", "number": number, "date": date, "piece": "VIR"}
    return [
        fec_line(
            **common,
            account="512000",
            aux="",
            aux_name="",
            label="Virement",
            debit=amount,
            credit="",
            extra=tuple("" for _ in extra),
        ),
        fec_line(
            **common,
            aux=aux,
            label="Virement reçu",
            debit="",
            credit=amount,
            letter=letter,
            extra=extra,
        ),
    ]


def write(
    tmp_path: Path,
    name: str,
    rows: list[list[str]],
    *,
    sep: str = "\t",
    encoding: str = "utf-8",
    header: str = HEADER,
    bom: bool = False,
) -> Path:
    path = tmp_path / name
    text = "\r\n".join([header.replace("\t", sep), *(sep.join(row) for row in rows)]) + "\r\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def run(db: TestDB, path: Path, today: str = "2026-03-02") -> FecReport:
    with db.ctx(today) as ctx:
        return import_fec(ctx, path)


def entries(db: TestDB) -> list[Entry]:
    with db.session() as session:
        return list(session.exec(select(Entry).order_by(Entry.id)).all())


def snapshot(db: TestDB) -> list[tuple[Any, ...]]:
    return [
        (e.id, e.source_key, e.lettering, e.due_date, e.open_amount, e.version, e.kind)
        for e in entries(db)
    ]


def counts(db: TestDB) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.exec(select(func.count()).select_from(Entry)).one(),
            session.exec(select(func.count()).select_from(Customer)).one(),
            session.exec(select(func.count()).select_from(History)).one(),
        )


def refused(db: TestDB, path: Path) -> str:
    before = counts(db)
    with pytest.raises(UserError) as caught:
        run(db, path)
    assert counts(db) == before  # nothing written
    message = str(caught.value)
    assert message.startswith(f"Nothing was imported from {path}")
    return message


# --- a good file ---------------------------------------------------------------------------


def test_good_file_imports_customer_lines_kinds_and_due_dates(db: TestDB, tmp_path: Path):
    with db.session() as session:
        add_customer(session, "CDUPONT", "Dupont (kept)", payment_terms_days=45)
    rows = [
        *sale("1"),
        *sale("2", aux="CMARTIN", amount="600,00", date="20260110"),
        *payment("3", amount="1200.00"),
        # A credit note on the sales journal, a deposit on 4191, no CompAuxNum (411 account).
        fec_line(number="4", piece="AV1", label="Avoir AV1", debit="", credit="120,00"),
        fec_line(number="4", account="706000", aux="", label="Ventes", debit="120,00", credit=""),
        fec_line(journal="BQ", number="5", account="512000", aux="", debit="50", credit=""),
        fec_line(
            journal="BQ",
            number="5",
            account="411ZED",
            aux="",
            label="Acompte commande",
            debit="",
            credit="50",
        ),
    ]
    # CompteLib names the customer when there is no CompAuxNum.
    rows[-1][5] = "Zed SARL"

    report = run(db, write(tmp_path, "a.fec", rows))

    assert report.lines == len(rows)
    assert report.added == 5 and report.unchanged == 0
    assert report.skipped_accounts == len(rows) - 5
    assert report.customers_created == 2  # CMARTIN, 411ZED
    assert report.due_date_source == "payment_terms"
    assert report.due_dates_computed == 2
    assert report.entries == 5 and report.separator == "\t" and report.encoding == "utf-8"
    got = {(e.journal, e.reference, e.kind): e for e in entries(db)}
    invoice = got[("VT", "1", "invoice")]
    assert invoice.debit == Decimal("1200.00") and invoice.invoice == "F1"
    assert invoice.due_date == d("2026-02-19")  # PieceDate + 45 days (CDUPONT's terms)
    # PieceDate (2026-01-05, not EcritureDate 2026-01-10) + 30 days, the default terms.
    assert got[("VT", "2", "invoice")].due_date == d("2026-02-04")
    assert got[("BQ", "3", "payment")].credit == Decimal("1200.00")
    assert got[("VT", "4", "credit_note")].invoice == "AV1"
    deposit = got[("BQ", "5", "deposit")]
    assert deposit.account == "411ZED" and deposit.source == "fec"
    assert deposit.source_key.startswith("fec:BQ:5:") and deposit.source_key.endswith("#1")
    with db.session() as session:
        names = {c.code: c.name for c in session.exec(select(Customer))}
    assert names["CDUPONT"] == "Dupont (kept)"
    assert names["CMARTIN"] == "Dupont Frères"  # CompAuxLib of its line
    assert names["411ZED"] == "Zed SARL"


@pytest.mark.parametrize(
    ("encoding", "bom", "sep"),
    [
        ("utf-8", False, "\t"),
        ("utf-8", True, "|"),
        ("iso-8859-15", False, "|"),
        ("iso-8859-15", False, "\t"),
    ],
)
def test_encodings_and_separators(db: TestDB, tmp_path: Path, encoding: str, bom: bool, sep: str):
    rows = sale("1")
    rows[0][7] = "Société Générale d'Électricité €"
    rows[0][10] = "Facture F1 à 1 200 € TTC"
    report = run(db, write(tmp_path, "e.fec", rows, sep=sep, encoding=encoding, bom=bom))
    assert report.added == 1
    assert report.encoding == ("utf-8" if encoding == "utf-8" else "iso-8859-15")
    assert report.separator == sep
    (entry,) = entries(db)
    assert entry.label == "Facture F1 à 1 200 € TTC"
    with db.session() as session:
        customer = session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
    assert customer.name == "Société Générale d'Électricité €"


def test_extra_columns_and_due_date_column(db: TestDB, tmp_path: Path):
    header = HEADER + "\tCodeAnalytique\tDateEcheance"
    rows = [
        *sale("1", extra=("A1", "20260228")),
        *sale("2", extra=("A2", "")),  # empty cell: computed
    ]
    for row in rows:
        if row[4] != "411000":
            row[-2] = "A9"
    report = run(db, write(tmp_path, "x.fec", rows, header=header))
    assert report.due_date_source == "DateEcheance"
    assert report.due_dates_computed == 1
    due = {e.reference: e.due_date for e in entries(db)}
    assert due == {"1": d("2026-02-28"), "2": d("2026-02-04")}


def test_echeance_date_column_name_is_read_too(db: TestDB, tmp_path: Path):
    header = HEADER + "\techeancedate"
    report = run(db, write(tmp_path, "x.fec", sale("1", extra=("20260315",)), header=header))
    assert report.due_date_source == "echeancedate"
    assert entries(db)[0].due_date == d("2026-03-15")


def test_dot_and_comma_decimals_and_empty_amounts(db: TestDB, tmp_path: Path):
    rows = [*sale("1", amount="1200.00"), *sale("2", amount="99,90")]
    run(db, write(tmp_path, "x.fec", rows))
    assert [e.debit for e in entries(db)] == [Decimal("1200.00"), Decimal("99.90")]


def test_zero_lines_are_counted_and_skipped(db: TestDB, tmp_path: Path):
    rows = [*sale("1"), fec_line(number="1", debit="0,00", credit="0,00")]
    report = run(db, write(tmp_path, "x.fec", rows))
    assert report.added == 1 and report.skipped_zero == 1


# --- all or nothing ------------------------------------------------------------------------


def test_every_bad_line_is_named_and_nothing_is_written(db: TestDB, tmp_path: Path):
    rows = [
        *sale("1"),  # lines 2-4: good
        fec_line(number="2", date="2026-01-05"),  # line 5: bad date (and unbalanced: skipped)
        fec_line(number="3", debit="12,3,4"),  # line 6: bad amount
        fec_line(number="4", debit="10", credit="10"),  # line 7: both set
        fec_line(number="5")[:17],  # line 8: wrong field count
        fec_line(number="6", debit="-5"),  # line 9: negative
        fec_line(number="7", date="20260230"),  # line 10: no such day
        *sale("8"),  # lines 11-13: good
        fec_line(number="9", debit="100", credit=""),  # line 14: entry 9 does not balance
        fec_line(number="9", account="706000", aux="", debit="", credit="90"),  # line 15
        fec_line(number="10", piece_date="2026"),  # line 16: bad PieceDate
        fec_line(number="11", aux="C" * 41),  # line 17: code too long
    ]
    message = refused(db, write(tmp_path, "bad.fec", rows))
    lines = message.splitlines()
    assert "9 invalid lines" in lines[0]
    assert lines[1:] == [
        "line 5: EcritureDate '2026-01-05': expected a date AAAAMMJJ from 19000101 to 21991231",
        "line 6: Debit '12,3,4': expected a number such as 1200.50 or 1 200,50",
        "line 7: Debit '10' and Credit '10' both set: expected one of them (the other empty or 0)",
        "line 8: 17 fields: expected 18 as in the header (separator '\\t')",
        "line 9: Debit '-5': expected an amount of 0 or more",
        "line 10: EcritureDate '20260230': expected a date AAAAMMJJ from 19000101 to 21991231",
        "line 14: entry VT 9: its lines total debit 100.00 and credit 90.00: expected equal "
        "totals (a balanced entry)",
        "line 16: PieceDate '2026': expected a date AAAAMMJJ from 19000101 to 21991231",
        f"line 17: CompAuxNum '{'C' * 41}': expected at most 40 characters",
    ]


def test_unbalanced_entry_is_checked_over_all_its_lines(db: TestDB, tmp_path: Path):
    rows = sale("1", amount="1200,00")
    rows[2][12] = "200,01"  # the VAT line of the sales entry: the 411 line itself is fine
    message = refused(db, write(tmp_path, "u.fec", rows))
    assert "line 2: entry VT 1: its lines total debit 1200.00 and credit 1200.01" in message


def test_header_problems_name_the_fields(db: TestDB, tmp_path: Path):
    header = HEADER.replace("CompteNum", "Compte").replace("\tMontantdevise\tIdevise", "")
    message = refused(db, write(tmp_path, "h.fec", [], header=header))
    assert "line 1: field 5 'Compte': expected CompteNum" in message
    assert "line 1: missing header field Montantdevise (field 17)" in message
    assert "line 1: missing header field Idevise (field 18)" in message
    with pytest.raises(UserError, match=re.escape("no tab or '|' in the header line")):
        run(db, write(tmp_path, "s.fec", [], header=HEADER.replace("\t", ";")))


def test_unknown_encodings_are_refused(db: TestDB, tmp_path: Path):
    # A Windows-1252 € (0x80) is neither UTF-8 nor ISO-8859-15 text.
    rows = sale("1")
    rows[0][10] = "Facture 100 €"
    message = refused(db, write(tmp_path, "w.fec", rows, encoding="cp1252"))
    assert "line 2: unknown encoding: byte 0x80" in message
    # UTF-8 first, then a line that is not.
    path = write(tmp_path, "m.fec", [*sale("1"), *sale("2")])
    data = (
        path.read_bytes()
        .replace(b"Facture F1", "Facturé F1".encode())
        .replace(b"Facture F2", "Facturé F2".encode("iso-8859-15"))
    )
    path.write_bytes(data)
    message = refused(db, path)
    assert "line 5: unknown encoding: byte 0xE9 is not UTF-8, as line 2 is" in message
    # A byte-order mark says UTF-8: a Latin-9 line after it is refused.
    path.write_bytes(b"\xef\xbb\xbf" + data.replace("Facturé F1".encode(), b"Facture F1"))
    assert "line 5: unknown encoding: byte 0xE9 is not UTF-8, as line 1 is" in refused(db, path)
    path.write_bytes("\t".join(FIELDS).encode("utf-16"))
    assert "UTF-16" in refused(db, path)


def test_missing_and_empty_files(db: TestDB, tmp_path: Path):
    with pytest.raises(UserError, match="not found"):
        run(db, tmp_path / "none.fec")
    (tmp_path / "empty.fec").write_bytes(b"")
    with pytest.raises(UserError, match="is empty"):
        run(db, tmp_path / "empty.fec")


# --- again and later -----------------------------------------------------------------------


def test_same_file_twice_adds_nothing(db: TestDB, tmp_path: Path):
    path = write(tmp_path, "a.fec", [*sale("1"), *sale("2"), *payment("3", letter="AA")])
    first = run(db, path)
    before = snapshot(db)
    again = run(db, path)
    assert first.added == 3
    assert again.added == 0 and again.updated == 0 and again.unchanged == 3
    assert again.vanished == [] and again.customers_created == 0
    assert snapshot(db) == before


def test_identical_lines_of_one_entry_are_kept_apart(db: TestDB, tmp_path: Path):
    rows = [
        *payment("1", amount="100.00"),
        *payment("1", amount="100.00"),  # the same two lines again, within entry BQ 1
    ]
    path = write(tmp_path, "dup.fec", rows)
    assert run(db, path).added == 2
    assert run(db, path).added == 0
    keys = sorted(e.source_key[-2:] for e in entries(db))
    assert keys == ["#1", "#2"]


def test_later_file_adds_lines_updates_lettering_and_settles_dossier(db: TestDB, tmp_path: Path):
    run(db, write(tmp_path, "1.fec", sale("1", amount="1000,00", date="20260105")))
    with db.ctx("2026-03-02") as ctx:
        number = open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number
    with db.session() as session:
        assert find_dossier(session, number).principal == Decimal("1000.00")

    later = write(
        tmp_path,
        "2.fec",
        [*sale("1", amount="1000,00", letter="AA"), *payment("7", amount="1000.00", letter="AA")],
    )
    report = run(db, later)
    assert report.added == 1 and report.updated == 1 and report.unchanged == 0
    assert report.closed == [number] and report.dossiers_touched == [number]
    assert all(e.open_amount == 0 for e in entries(db))
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.status == "closed"
        updates = session.exec(select(History).where(History.action == "update")).all()
    assert any(json.loads(h.after or "{}") == {"lettering": "AA"} for h in updates)

    # Unlettered again by the accounting: owed again, the dossier reopens.
    report = run(
        db,
        write(tmp_path, "3.fec", [*sale("1", amount="1000,00"), *payment("7", amount="1000.00")]),
    )
    assert report.updated == 2 and report.reopened == [number]


def test_vanished_entries_are_reported_never_deleted(db: TestDB, tmp_path: Path):
    run(
        db,
        write(
            tmp_path,
            "1.fec",
            [
                *sale("1", date="20260105"),
                *sale("2", date="20260120", aux="CMARTIN"),
                *sale("3", date="20260301"),  # after the later file's period
                *payment("4", date="20260110"),  # another journal
            ],
        ),
    )
    # The accounting deleted VT 2 and renumbered nothing else; the later file covers VT
    # from 2026-01-05 to 2026-01-31 only.
    report = run(
        db, write(tmp_path, "2.fec", [*sale("1", date="20260105"), *sale("9", date="20260131")])
    )
    assert report.added == 1
    assert [(v["journal"], v["number"], v["customer"], v["debit"]) for v in report.vanished] == [
        ("VT", "2", "CMARTIN", "1200.00")
    ]
    assert len(entries(db)) == 5  # nothing deleted
    assert run(db, write(tmp_path, "3.fec", [])).vanished == []  # no journal, no period


# --- a property ----------------------------------------------------------------------------

_pieces = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2", "C3"]),
        st.integers(min_value=1, max_value=99_999_99),
        st.booleans(),  # paid
        st.sampled_from(["", "AA", "AB"]),
    ),
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_pieces)
def test_importing_a_valid_fec_twice_writes_what_once_does(
    db: TestDB, tmp_path_factory: pytest.TempPathFactory, pieces: list[Any]
):
    tmp_path = tmp_path_factory.mktemp("fec")
    rows: list[list[str]] = []
    for n, (aux, cents, paid, letter) in enumerate(pieces, start=1):
        amount = f"{Decimal(cents) / 100:.2f}".replace(".", ",")
        rows += sale(str(n), aux=aux, amount=amount, letter=letter)
        if paid:
            rows += payment(str(n), aux=aux, amount=amount.replace(",", "."), letter=letter)
    path = write(tmp_path, "p.fec", rows)
    with db.session() as session:
        for entry in session.exec(select(Entry)):
            session.delete(entry)
    run(db, path)
    once = [row[1:] for row in snapshot(db)]
    again = run(db, path)
    assert again.added == 0 and again.updated == 0
    assert [row[1:] for row in snapshot(db)] == once


def test_kind_inference():
    assert infer_kind("VT", "411000", "Facture", Decimal(1)) == "invoice"
    assert infer_kind("OD", "411000", "Régul", Decimal(1)) == "invoice"
    assert infer_kind("VEN", "411000", "Avoir", Decimal(0)) == "credit_note"
    assert infer_kind("BQ", "411000", "Virement", Decimal(0)) == "payment"
    assert infer_kind("BQ", "411000", "ACOMPTE cde 12", Decimal(0)) == "deposit"
    assert infer_kind("BQ", "419100", "Virement", Decimal(0)) == "deposit"


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    from engine.bootstrap import initialize
    from models.db import make_engine

    path = str(tmp_path / "cli.sqlite3")
    engine = make_engine(path)
    initialize(engine, "boss")
    engine.dispose()
    return Cli(path, capsys)


def test_cli_imports_and_reports(cli: Cli, tmp_path: Path):
    path = write(tmp_path, "a.fec", [*sale("1"), *payment("2", letter="AA")])
    code, out, err = cli("import", "fec", str(path))
    assert code == 0, err
    assert "2 added" in out and "1 customers created" in out
    assert "Due dates: the file has none" in out
    assert "3 lines skipped: their account is not a customer account." in out
    assert err == ""  # stderr is not a terminal: no progress bar
    data = cli.json("import", "fec", str(path))
    assert data["added"] == 0 and data["unchanged"] == 2
    assert data["due_date_source"] == "payment_terms" and data["vanished"] == []
    assert data["skipped_accounts"] == 3 and data["separator"] == "\t"

    later = write(tmp_path, "b.fec", payment("2", letter="AA"))
    code, out, _err = cli("import", "fec", str(later))
    assert code == 0
    assert "1 entry imported before is no longer in this file" not in out  # VT not covered
    shrunk = write(tmp_path, "c.fec", sale("5"))
    code, out, _err = cli("import", "fec", str(shrunk))
    assert "1 entry imported before is no longer in this file" in out
    assert " VT 1 2026-01-05 F1 1200.00 Facture F1" in out


def test_cli_bad_file_exits_2_and_writes_nothing(cli: Cli, tmp_path: Path):
    before = cli.dump("entry", "customer", "history")
    rows = [*sale("1"), fec_line(number="2", date="5 janvier")]
    code, out, err = cli("import", "fec", str(write(tmp_path, "bad.fec", rows)))
    assert code == 2 and out == ""
    assert "Nothing was imported" in err and "line 5: EcritureDate '5 janvier'" in err
    assert "Traceback" not in err
    code, _out, err = cli("import", "fec", str(tmp_path / "missing.fec"))
    assert code == 2 and "not found" in err
    assert cli.dump("entry", "customer", "history") == before


def test_progress_bar_on_a_terminal(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, _out, err = cli("import", "fec", str(write(tmp_path, "a.fec", sale("1"))))
    assert code == 0
    assert "reading" in err and "writing" in err and "100%" in err


def test_cli_shows_hostile_labels_inert(cli: Cli, tmp_path: Path):
    rows = sale("1")
    rows[0][10] = "Facture \x1b[2J\x1b]0;pwned\x07 F1"
    cli("import", "fec", str(write(tmp_path, "a.fec", rows)))
    code, out, _err = cli("import", "fec", str(write(tmp_path, "b.fec", sale("2"))))
    assert code == 0 and "no longer in this file" in out
    assert "\x1b" not in out and "\x07" not in out
    stored = [v for row in cli.dump("entry")["entry"] for v in row if isinstance(v, str)]
    assert rows[0][10] in stored  # stored exact
