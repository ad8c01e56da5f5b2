"""CSV import (docs/IMPORT.md, docs/RULES.md) on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from engine.access import add_user
from engine.csv_import import CHUNK, STATISTICS_AFTER, ImportReport, import_csv
from engine.dossiers import find_dossier, open_dossier
from engine.errors import Forbidden, UserError
from engine.scenarios import BUILTIN_NAME
from models.tables import Customer, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, d

HEADER = (
    "customer_code;customer_name;journal;date;piece;invoice;reference;account;label;"
    "due_date;debit;credit;lettering"
)


def write(tmp_path: Path, name: str, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def run(db: TestDB, path: Path, mapping: Path | None = None, today: str = "2026-03-02"):
    with db.ctx(today) as ctx:
        return import_csv(ctx, path, mapping)


def entries(db: TestDB) -> dict[str, Entry]:
    """Entries by invoice number (or label when there is none)."""
    with db.session() as session:
        rows = session.exec(select(Entry).order_by(Entry.id)).all()
        return {row.invoice or row.label: row for row in rows}


def snapshot(db: TestDB) -> list[tuple[Any, ...]]:
    with db.session() as session:
        return [
            (e.id, e.source_key, e.lettering, e.due_date, e.open_amount, e.version)
            for e in session.exec(select(Entry).order_by(Entry.id))
        ]


def counts(db: TestDB) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.exec(select(func.count()).select_from(Entry)).one(),
            session.exec(select(func.count()).select_from(Customer)).one(),
            session.exec(select(func.count()).select_from(History)).one(),
        )


# --- a good file ---------------------------------------------------------------------------

GOOD = (
    "CDUPONT;Dupont Frères;VTE;2026-01-05;P1;F001;;411000;Facture F001;2026-02-04;1200.00;;",
    "CDUPONT;;VTE;05/01/2026;P2;F002;;411000;Facture F002;;1 234,56;;",
    "CDUPONT;;VTE;2026-01-10;P3;AV01;;411000;Avoir AV01;;;100,00;",
    "CDUPONT;;BQ1;2026-01-20;P4;;VIR 1;411000;Reglement;;;500.00;",
    "CDUPONT;;OD;2026-01-21;P5;OD1;;;Regul OD;;12.5;;",
    "CMARTIN;;CAI;2026-01-22;P6;;;411000;Especes;;;50;",
    "CNEW;Nouvelle SARL;VEN;2026-02-01;P7;F100;;411000;Facture F100;;300;;",
)


def test_good_file_imports_kinds_amounts_due_dates_and_customers(db: TestDB, tmp_path: Path):
    with db.session() as session:
        add_customer(session, "CDUPONT", "Dupont (kept)", payment_terms_days=45)
    # A BOM, header names in any case with spaces around them.
    header = " Customer_Code ;CUSTOMER_NAME;journal;Date;piece;invoice;reference;account;label;"
    header += "due_date;Debit;Credit; lettering "
    path = tmp_path / "good.csv"
    path.write_text("\ufeff" + "\n".join((header, *GOOD)) + "\n", encoding="utf-8")

    history_before = counts(db)[2]

    report = run(db, path)

    assert isinstance(report, ImportReport)
    # One history row per created customer and one summary: not one per entry.
    assert counts(db)[2] == history_before + 2 + 1
    assert (report.lines, report.added, report.updated, report.unchanged) == (7, 7, 0, 0)
    assert report.customers_created == 2
    assert report.due_dates_computed == 3  # F002, OD1, F100
    got = entries(db)
    assert {key: e.kind for key, e in got.items()} == {
        "F001": "invoice",
        "F002": "invoice",
        "AV01": "credit_note",
        "Reglement": "payment",
        "OD1": "invoice",
        "Especes": "payment",
        "F100": "invoice",
    }
    assert got["F002"].debit == Decimal("1234.56") and got["F002"].credit == Decimal("0.00")
    assert got["F002"].date == d("2026-01-05")
    assert got["AV01"].credit == Decimal("100.00")
    assert got["OD1"].debit == Decimal("12.50")
    assert got["OD1"].account == "411"  # the company's customer account prefix
    # Given due date kept; computed ones use the customer's terms (45) or the default (30).
    assert got["F001"].due_date == d("2026-02-04")
    assert got["F002"].due_date == d("2026-02-19")
    assert got["F100"].due_date == d("2026-03-03")
    assert got["AV01"].due_date is None and got["Reglement"].due_date is None
    assert got["F001"].open_amount == Decimal("1200.00")
    assert got["Reglement"].open_amount == Decimal("-500.00")
    assert all(e.source == "csv" and e.source_key.startswith("csv:") for e in got.values())
    with db.session() as session:
        customers = {c.code: c for c in session.exec(select(Customer))}
    assert customers["CDUPONT"].name == "Dupont (kept)"
    assert customers["CNEW"].name == "Nouvelle SARL"
    assert customers["CMARTIN"].name == "CMARTIN"
    assert customers["CNEW"].payment_terms_days == 30


def test_comma_separated_file_with_quotes_and_kind_column(db: TestDB, tmp_path: Path):
    header = HEADER.replace(";", ",") + ",kind"
    path = write(
        tmp_path,
        "comma.csv",
        'C1,"Durand, fils",VTE,2026-01-05,P1,F1,,411000,"Facture 1, lot A",,"1234,56",,,',
        "C1,,REC,2026-02-01,P2,,,411000,Frais,,40.00,,,FEE",
        "C1,,BQ,2026-02-02,P3,,,411000,Acompte,,,100.00,,deposit",
        'C1,,VTE,2026-02-03,P4,,,411000,Big,,"1.234,50",,,',
        header=header,
    )
    report = run(db, path)
    assert report.added == 4
    got = entries(db)
    assert got["F1"].debit == Decimal("1234.56")
    assert got["F1"].label == "Facture 1, lot A"
    assert got["Frais"].kind == "fee" and got["Frais"].due_date == d("2026-03-03")
    assert got["Acompte"].kind == "deposit"
    assert got["Big"].debit == Decimal("1234.50")
    with db.session() as session:
        assert session.exec(select(Customer.name)).one() == "Durand, fils"


def test_mapping_file_renames_columns(db: TestDB, tmp_path: Path):
    header = "Code client;Nom;Jnl;Date pièce;N° facture;Débit;Crédit;Lettrage;Libellé"
    path = write(
        tmp_path,
        "sage.csv",
        "C9;Neuf SA;VTE;15/01/2026;F9;900,00;;;Facture 9",
        "C9;;BQ;20/01/2026;;;900,00;;Règlement",
        header=header,
    )
    mapping = tmp_path / "sage.toml"
    mapping.write_text(
        "[columns]\n"
        'customer_code = "Code client"\n'
        'customer_name = "nom"\n'  # header names match whatever their case
        'journal = "Jnl"\n'
        'date = "Date pièce"\n'
        'invoice = "N° facture"\n'
        'debit = "Débit"\n'
        'credit = "Crédit"\n'
        'lettering = "Lettrage"\n'
        'label = "Libellé"\n',
        encoding="utf-8",
    )
    report = run(db, path, mapping)
    assert report.added == 2 and report.customers_created == 1
    got = entries(db)
    assert got["F9"].kind == "invoice" and got["F9"].debit == Decimal("900.00")
    assert got["Règlement"].kind == "payment"

    # Without the mapping the required columns are missing, named in the message.
    with pytest.raises(UserError) as error:
        run(db, path)
    assert "customer_code" in error.value.message and "debit" in error.value.message

    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\ncustomer = "Code client"\n', encoding="utf-8")
    with pytest.raises(UserError, match="'customer'"):
        run(db, path, bad)
    with pytest.raises(UserError, match="not found"):
        run(db, path, tmp_path / "nope.toml")


def test_mapping_separator_and_encoding(db: TestDB, tmp_path: Path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "customer_code|customer_name|date|debit\nC1|Société|2026-01-05|10\n".encode("cp1252")
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text('separator = "|"\nencoding = "cp1252"\n', encoding="utf-8")
    assert run(db, path, mapping).added == 1
    with db.session() as session:
        assert session.exec(select(Customer.name)).one() == "Société"
    # Without the mapping: the bytes are not UTF-8, said with the line.
    with pytest.raises(UserError, match="line 2: not valid utf-8"):
        run(db, path)


# --- idempotence and lettering -------------------------------------------------------------


def test_reimport_adds_nothing_and_identical_lines_both_count(db: TestDB, tmp_path: Path):
    twin = "C1;;BQ;2026-01-20;;;;411000;Cheque;;;50.00;"
    path = write(tmp_path, "a.csv", *GOOD, twin, twin)
    first = run(db, path)
    assert first.added == 9  # the two identical cheques are two entries
    before, rows = counts(db), snapshot(db)

    again = run(db, path)

    assert (again.lines, again.added, again.updated, again.unchanged) == (9, 0, 0, 9)
    assert again.customers_created == 0
    assert snapshot(db) == rows
    entries_after, customers_after, history_after = counts(db)
    assert (entries_after, customers_after) == before[:2]
    assert history_after == before[2] + 1  # only the import's summary row
    with db.session() as session:
        summary = session.exec(
            select(History).where(History.action == "import").order_by(History.id.desc())  # type: ignore[union-attr]
        ).first()
    assert summary is not None and summary.record_id == "a.csv"
    assert '"unchanged": 9' in (summary.after or "")

    # A third cheque in a later file is a new line: it is added, the first two are not.
    assert run(db, write(tmp_path, "b.csv", twin, twin, twin)).added == 1


def test_lettering_settles_partially_lowers_and_unlettering_restores(db: TestDB, tmp_path: Path):
    lines = (
        "C1;;VTE;2026-01-05;;F1;;411000;Facture F1;2026-02-04;1000.00;;{a}",
        "C1;;BQ;2026-02-10;;;;411000;Virement F1;;;1000.00;{a}",
        "C1;;VTE;2026-01-06;;F2;;411000;Facture F2;2026-02-05;1000.00;;{b}",
        "C1;;BQ;2026-02-11;;;;411000;Acompte F2;;;400.00;{b}",
    )

    def file(name: str, a: str, b: str) -> Path:
        return write(tmp_path, name, *(line.format(a=a, b=b) for line in lines))

    run(db, file("1.csv", "", ""))
    got = entries(db)
    assert got["F1"].open_amount == Decimal("1000.00")
    assert got["Virement F1"].open_amount == Decimal("-1000.00")

    report = run(db, file("2.csv", "AA", "AB"))

    assert (report.added, report.updated, report.unchanged) == (0, 4, 0)
    got = entries(db)
    assert got["F1"].lettering == "AA"
    assert got["F1"].open_amount == 0 and got["Virement F1"].open_amount == 0
    # docs/RULES.md: a partial payment lettered to the invoice lowers the invoice's open amount.
    assert got["F2"].open_amount == Decimal("600.00")
    assert got["Acompte F2"].open_amount == 0

    report = run(db, file("3.csv", "", ""))

    assert report.updated == 4
    got = entries(db)
    assert got["F1"].lettering is None
    assert got["F1"].open_amount == Decimal("1000.00")
    assert got["Virement F1"].open_amount == Decimal("-1000.00")
    assert got["F2"].open_amount == Decimal("1000.00")
    assert got["Acompte F2"].open_amount == Decimal("-400.00")
    with db.session() as session:
        changes = session.exec(
            select(History).where(History.table_name == "entry", History.action == "update")
        ).all()
    assert len(changes) == 8  # each lettering change keeps its before and after


def test_due_date_update_and_empty_due_date_keeps_the_stored_one(db: TestDB, tmp_path: Path):
    run(db, write(tmp_path, "1.csv", "C1;;VTE;2026-01-05;;F1;;411000;F1;2026-02-04;100;;"))
    report = run(db, write(tmp_path, "2.csv", "C1;;VTE;2026-01-05;;F1;;411000;F1;2026-02-20;100;;"))
    assert report.updated == 1
    assert entries(db)["F1"].due_date == d("2026-02-20")
    report = run(db, write(tmp_path, "3.csv", "C1;;VTE;2026-01-05;;F1;;411000;F1;;100;;"))
    assert report.unchanged == 1
    assert entries(db)["F1"].due_date == d("2026-02-20")


def test_dossier_principal_follows_lettering_and_settles(db: TestDB, tmp_path: Path):
    invoice = "CDUP;Dupont;VTE;2026-01-05;;F1;;411000;Facture F1;2026-01-31;1000.00;;{code}"
    payment = "CDUP;;BQ;2026-03-02;;;;411000;Virement {amount};;;{amount};{code}"
    run(db, write(tmp_path, "1.csv", invoice.format(code="")))
    with db.ctx("2026-03-02") as ctx:
        number = open_dossier(ctx, "CDUP", BUILTIN_NAME).number
    with db.session() as session:
        assert find_dossier(session, number).principal == Decimal("1000.00")

    # A partial payment lettered to the dossier's invoice, the payment itself not in it.
    report = run(
        db,
        write(
            tmp_path,
            "2.csv",
            invoice.format(code="AA"),
            payment.format(amount="400.00", code="AA"),
        ),
    )

    assert report.dossiers_touched == [number]
    assert report.closed == [] and report.reopened == []
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.principal == Decimal("600.00") and dossier.status == "open"

    # The rest paid and lettered: the dossier is settled and closed (auto_close).
    report = run(
        db,
        write(
            tmp_path,
            "3.csv",
            invoice.format(code="AA"),
            payment.format(amount="400.00", code="AA"),
            payment.format(amount="600.00", code="AA"),
        ),
    )
    assert report.added == 1 and report.closed == [number]
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.principal == 0 and dossier.status == "closed"

    # The accounting system unletters the invoice: the dossier is owed again and reopens.
    report = run(db, write(tmp_path, "4.csv", invoice.format(code="")))
    assert report.updated == 1 and report.reopened == [number]
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.principal == Decimal("1000.00") and dossier.status == "open"


# --- refusals ------------------------------------------------------------------------------


def test_bad_lines_are_all_named_and_nothing_is_written(db: TestDB, tmp_path: Path):
    run(db, write(tmp_path, "ok.csv", GOOD[0]))
    header = HEADER + ";kind"
    path = write(
        tmp_path,
        "bad.csv",
        "CNEW;;VTE;2026-01-05;;F1;;411000;ok;;100;;;",  # line 2: good, yet not imported
        "CNEW;;VTE;2026-13-01;;F2;;411000;bad date;;100;;;",  # line 3
        "CNEW;;VTE;2026-01-05;;F3;;411000;bad amount;;12x;;;",  # line 4
        "",  # blank lines are skipped, and still counted for the numbers
        "CNEW;;VTE;2026-01-05;;F4;;411000;bad kind;;100;;;rebate",  # line 6
        ";;VTE;2026-01-05;;F5;;411000;no customer;;100;;;",  # line 7
        "CNEW;;VTE;2026-01-05;;F6;;411000;both zero;;0;0;;",  # line 8
        "CNEW;;BQ;2026-01-05;;;;411000;negative;;;-5;;",  # line 9
        "CNEW;;VTE;2026-01-05;;F7;;411000;bad due;31/02/2026;10;;;",  # line 10
        header=header,
    )
    before = counts(db)

    with pytest.raises(UserError) as error:
        run(db, path)

    message = error.value.message
    assert "7 invalid lines" in message
    assert "line 3: date '2026-13-01': expected YYYY-MM-DD or DD/MM/YYYY" in message
    assert "line 4: debit '12x'" in message
    assert "line 6: kind 'rebate': expected one of invoice|credit_note" in message
    assert "line 7: customer_code ''" in message
    assert "line 8: debit '0' and credit '0'" in message
    assert "line 9: credit '-5': expected an amount of 0 or more" in message
    assert "line 10: due_date '31/02/2026'" in message
    assert "line 2:" not in message and "line 5:" not in message
    assert counts(db) == before


def test_extra_fields_and_overlong_values_are_refused(db: TestDB, tmp_path: Path):
    path = write(
        tmp_path,
        "bad.csv",
        "C1;;VTE;2026-01-05;;F1;;411000;Facture 1;lot A;;100;;AA",  # unquoted ';' in the label
        "C1;;VTE;2026-01-05;;F2;;411000;" + "x" * 201 + ";;100;;",
        "C1;;VTE;2026-01-05;;F3;;411000;ok;;100;;;",  # an empty trailing cell is fine
    )
    with pytest.raises(UserError) as error:
        run(db, path)
    message = error.value.message
    assert "2 invalid lines" in message
    assert "line 2: 14 fields: expected 13" in message
    assert "line 3: label 'xxx" in message and "at most 200 characters" in message


def test_missing_empty_and_headerless_files(db: TestDB, tmp_path: Path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(UserError, match=r"nope\.csv not found"):
        run(db, missing)
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(UserError, match="empty"):
        run(db, empty)
    no_debit = write(tmp_path, "h.csv", "C1;2026-01-05", header="customer_code;date")
    with pytest.raises(UserError, match="missing column\\(s\\) debit or credit"):
        run(db, no_debit)
    assert counts(db)[:2] == (0, 0)
    header_only = write(tmp_path, "header.csv")
    report = run(db, header_only)
    assert (report.lines, report.added) == (0, 0)


def test_auditor_may_not_import(db: TestDB, tmp_path: Path):
    with db.session() as session:
        add_user(session, None, "audrey", "auditor")
    path = write(tmp_path, "a.csv", GOOD[0])
    with pytest.raises(Forbidden), db.ctx("2026-03-02", "audrey") as ctx:
        import_csv(ctx, path)
    assert counts(db)[0] == 0


# --- volume --------------------------------------------------------------------------------


def volume_lines(pairs: int, customers: int) -> list[str]:
    """``pairs`` invoices each with its payment, spread over ``customers`` customers; the odd
    pairs lettered together, the even ones not. bench/import_csv.py times 25,000 pairs."""
    lines = []
    for n in range(pairs):
        customer = f"C{n % customers:04d}"
        code = f"A{n}" if n % 2 else ""
        lines.append(
            f"{customer};;VTE;2026-01-05;;F{n};;411000;Facture {n};;{n % 900 + 100},50;;{code}"
        )
        lines.append(
            f"{customer};;BQ;2026-02-05;;;R{n};411000;Reglement {n};;;{n % 900 + 100},50;{code}"
        )
    return lines


def test_a_file_of_thousands_of_lines_imports_and_imports_again_unchanged(
    sqlite_db: TestDB, tmp_path: Path
):
    """Past every chunk size of the import (500 customers or keys per query) and the
    statistics refresh (1,000 lines): the same work as a big file, in a second. How fast
    50,000 lines go is a benchmark (bench/import_csv.py), not a test."""
    assert CHUNK < 600 and STATISTICS_AFTER < 3_000
    path = write(tmp_path, "big.csv", *volume_lines(1_500, 600))
    report = run(sqlite_db, path)
    assert report.added == 3_000 and report.customers_created == 600
    assert run(sqlite_db, path).unchanged == 3_000
    with sqlite_db.session() as session:
        owed = session.exec(select(func.sum(Entry.open_amount))).one()
    # Lettered pairs settle; the unlettered ones (even n) stay open on both sides: net 0.
    assert owed == 0
