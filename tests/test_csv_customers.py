"""CSV import and customers (docs/IMPORT.md): the optional ``consumer`` column,
and lines on another account than the customers' (706000…) skipped and counted, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from engine.csv_import import import_csv
from engine.errors import UserError
from engine.reads.views import customer_rows
from engine.settings import set_setting
from models.tables import Customer, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, d
from tests.test_validation import Cli, dump

HEADER = (
    "customer_code;customer_name;journal;date;piece;invoice;account;label;due_date;debit;credit"
)


def write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "entries.csv"
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def run(db: TestDB, path: Path):
    with db.ctx("2026-03-02") as ctx:
        return import_csv(ctx, path)


def flags(db: TestDB) -> dict[str, tuple[bool, int]]:
    with db.session() as session:
        return {c.code: (c.consumer, c.version) for c in session.exec(select(Customer))}


def test_consumer_column_marks_new_and_existing_customers(db: TestDB, tmp_path: Path) -> None:
    with db.session() as session:
        add_customer(session, "CDUPONT", "Dupont", consumer=False)
        add_customer(session, "CPARTI", "Parti", consumer=True)
        add_customer(session, "CSAME", "Same", consumer=True)
    header = HEADER + ";consumer"
    path = write(
        tmp_path,
        "CDUPONT;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;100;;oui",
        "CDUPONT;;BQ;2026-01-06;P2;;411000;Reglement;;;10;",  # empty: no say
        "CPARTI;;VTE;2026-01-05;P3;F3;411000;Facture;2026-02-04;100;;Non",
        "CSAME;;VTE;2026-01-05;P4;F4;411000;Facture;2026-02-04;100;;1",
        "CNEUF;Neuf SA;VTE;2026-01-05;P5;F5;411000;Facture;2026-02-04;100;;YES",
        "CPRO;Pro SA;VTE;2026-01-05;P6;F6;411000;Facture;2026-02-04;100;;0",
        "CRIEN;Rien SA;VTE;2026-01-05;P7;F7;411000;Facture;2026-02-04;100;;",
        header=header,
    )
    report = run(db, path)
    assert (report.added, report.customers_created, report.customers_updated) == (7, 3, 2)
    assert flags(db) == {
        "CDUPONT": (True, 2),
        "CPARTI": (False, 2),
        "CSAME": (True, 1),  # already so: untouched
        "CNEUF": (True, 1),
        "CPRO": (False, 1),
        "CRIEN": (False, 1),
    }
    with db.session() as session:
        dupont = session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
        change = session.exec(
            select(History).where(
                History.table_name == "customer",
                History.record_id == str(dupont.id),
                History.action == "update",
            )
        ).one()
    assert json.loads(change.after or "{}") == {"consumer": True, "version": 2}
    # Again: nothing changes.
    again = run(db, path)
    assert (again.unchanged, again.customers_updated) == (7, 0)
    assert flags(db)["CDUPONT"] == (True, 2)


def test_bad_or_contradictory_consumer_values_refuse_the_file(db: TestDB, tmp_path: Path) -> None:
    header = HEADER + ";consumer"
    before = dump(db)
    bad = write(
        tmp_path,
        "CDUPONT;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;100;;oui",
        "CDUPONT;;VTE;2026-01-06;P2;F2;411000;Facture;2026-02-04;100;;peut-être",
        header=header,
    )
    with pytest.raises(UserError) as caught:
        run(db, bad)
    assert "line 3: consumer 'peut-être': expected yes or no (1/0, oui/non)" in caught.value.message
    contradictory = write(
        tmp_path,
        "CDUPONT;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;100;;oui",
        "CMARTIN;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;100;;non",
        "CDUPONT;;VTE;2026-01-06;P2;F2;411000;Facture;2026-02-04;100;;0",
        header=header,
    )
    with pytest.raises(UserError) as caught:
        run(db, contradictory)
    assert caught.value.message.splitlines() == [
        f"Nothing was imported from {contradictory}: 1 invalid line.",
        "line 4: consumer 'no': expected yes as on line 2 for customer CDUPONT",
    ]
    assert dump(db) == before


LEDGER = (
    # The sale as the general ledger books it: customer 1,200.00, sales 1,000.00, VAT 200.00.
    "CDUPONT;Dupont;VTE;2026-01-05;P1;F1;411000;Facture F1;2026-02-04;1200,00;",
    "CDUPONT;Dupont;VTE;2026-01-05;P1;F1;706000;Facture F1;;;1000,00",
    "CDUPONT;Dupont;VTE;2026-01-05;P1;F1;445710;Facture F1;;;200,00",
    "CDUPONT;Dupont;BQ;2026-02-10;R1;;512000;Reglement banque;;300,00;",
    "CDUPONT;Dupont;BQ;2026-02-10;R1;;411DUP;Reglement;;;300,00",
    "CDUPONT;Dupont;VTE;2026-01-06;P2;F2;;Facture F2 (empty account: the customers');;50,00;",
)


def test_lines_on_other_accounts_are_skipped_and_counted(db: TestDB, tmp_path: Path) -> None:
    path = write(tmp_path, *LEDGER)
    report = run(db, path)
    assert (report.lines, report.added, report.skipped_accounts) == (6, 3, 3)
    with db.session() as session:
        accounts = sorted(e.account for e in session.exec(select(Entry)))
        owed = {r["code"]: r["outstanding"] for r in customer_rows(session, d("2026-03-02"))}
    assert accounts == ["411", "411000", "411DUP"]
    # 1,200.00 + 50.00 - 300.00: the sales and VAT lines owe nothing.
    assert str(owed["CDUPONT"]) == "950.00"
    again = run(db, path)
    assert (again.unchanged, again.skipped_accounts, again.added) == (3, 3, 0)
    # A line on another account is checked all the same: a bad one refuses the file.
    bad = write(tmp_path, "CDUPONT;;VTE;2026-13-05;P1;F1;706000;Facture;;;1000")
    before = dump(db)
    with pytest.raises(UserError, match="line 2: date '2026-13-05'"):
        run(db, bad)
    assert dump(db) == before


def test_the_prefix_setting_decides_what_a_customer_account_is(db: TestDB, tmp_path: Path):
    with db.session() as session:
        set_setting(session, "customer_account_prefix", "4111", None)
    report = run(db, write(tmp_path, *LEDGER))
    # 411000, 411DUP and the empty account (now 4111) — only the last is a customer's.
    assert (report.added, report.skipped_accounts) == (1, 5)


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, capsys)


def test_the_import_summary_says_what_it_skipped(cli: Cli, tmp_path: Path) -> None:
    path = str(write(tmp_path, *LEDGER))
    code, out, err = cli("import", "csv", path)
    assert code == 0, err
    assert "3 lines skipped: their account is not a customer account." in out
    assert cli.json("import", "csv", path)["skipped_accounts"] == 3
    header = HEADER + ";consumer"
    one = write(
        tmp_path, "CDUPONT;;VTE;2026-01-07;P9;F9;411000;Facture;2026-02-04;10;;oui", header=header
    )
    code, out, err = cli("import", "csv", str(one))
    assert code == 0, err
    assert "1 customer's consumer flag changed." in out
    assert cli.json("customers", "show", "CDUPONT")["consumer"] is True
    bad = write(
        tmp_path, "CDUPONT;;VTE;2026-01-08;P9;F9;411000;Facture;2026-02-04;10;;bof", header=header
    )
    before = dump(cli.db)
    code, out, err = cli("import", "csv", str(bad))
    assert code == 2 and "line 2: consumer 'bof': expected yes or no" in err
    assert dump(cli.db) == before


def test_an_excluded_entry_stays_excluded_when_the_export_brings_it_back(
    db: TestDB, tmp_path: Path
) -> None:
    from engine.customers import exclude_entry

    first = write(tmp_path, "CDUPONT;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;1200;")
    run(db, first)
    with db.session() as session:
        ident = session.exec(select(Entry.id).where(Entry.invoice == "F1")).one()
    assert ident is not None
    with db.ctx() as ctx:
        exclude_entry(ctx, ident)
    # The next export: the same invoice, now lettered with a partial payment.
    header = HEADER + ";lettering"
    later = write(
        tmp_path,
        "CDUPONT;;VTE;2026-01-05;P1;F1;411000;Facture;2026-02-04;1200;;AA",
        "CDUPONT;;BQ;2026-02-10;R1;;411000;Reglement;;;200;AA",
        header=header,
    )
    report = run(db, later)
    assert (report.updated, report.added) == (1, 1)
    with db.session() as session:
        entry = session.exec(select(Entry).where(Entry.id == ident)).one()
        assert (entry.excluded, entry.lettering, str(entry.open_amount)) == (True, "AA", "1000.00")
