"""Charges that round-trip (docs/RULES.md, docs/IMPORT.md "Charges coming back"):
``export charges`` in CSV and FEC, each charge exported once with a stable reference, and
the accounting's next file recognising them instead of adding them twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from engine.charges_export import FEC_FIELDS, export_charges, known_charges
from engine.csv_import import import_csv
from engine.dossiers import find_dossier, open_dossier
from engine.errors import UserError
from engine.interventions import mark_done
from engine.planning import current_todo
from engine.scenarios import ScenarioSpec, StepSpec, save_scenario
from engine.settings import set_setting
from models.tables import Entry
from tests.conftest import MANAGER, TestDB
from tests.factories import add_customer, add_entry
from tui.cli import main

TODAY = "2026-03-02"
LETTER = ScenarioSpec(
    "Mise en demeure",
    steps=[StepSpec("Mise en demeure", type="registered_letter", penalties=True, fees=Decimal(30))],
)
REF = r"^D\d{6}-[FPI]\d{2,}$"


def with_charges(db: TestDB, day: str = TODAY) -> str:
    """A dossier whose step charged interest, the 40.00 indemnity and 30.00 of fees."""
    with db.ctx(day) as ctx:
        save_scenario(ctx.session, LETTER, actor=None)
        set_setting(ctx.session, "penalty_rate", "12", ctx.actor)
        customer = add_customer(ctx.session, "CDUPONT", 'Dupont; "Frères"')
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2025-12-01",
            "1000.00",
            due="2026-01-31",
            invoice="F-1",
        )
        dossier = open_dossier(ctx, "CDUPONT", LETTER.name)
        assert dossier.id is not None
        step = current_todo(ctx.session, dossier.id)
        assert step is not None and step.id is not None
        mark_done(ctx, step.id)
        return dossier.number


def charges(db: TestDB) -> list[Entry]:
    with db.session() as session:
        return list(
            session.exec(
                select(Entry).where(Entry.source == "collection").order_by(col(Entry.id))
            ).all()
        )


def entry_count(db: TestDB) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(Entry)).one()


def export(db: TestDB, fmt: str = "csv", day: str = TODAY, **kw: object):
    with db.ctx(day) as ctx:
        return export_charges(ctx, fmt=fmt, **kw)  # type: ignore[arg-type]


def test_csv_export_is_balanced_with_stable_references_and_goes_once(db: TestDB) -> None:
    number = with_charges(db)
    made = charges(db)
    assert sorted(c.kind for c in made) == ["fee", "indemnity", "penalty"]
    result = export(db)
    assert result.count == 3 and result.total == sum(c.debit for c in made)
    rows = list(csv.DictReader(io.StringIO(result.text), delimiter=";"))
    assert len(rows) == 6
    by_piece: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_piece[row["piece"]].append(row)
    assert sorted(by_piece) == sorted(result.references)
    for ref, (customer, income) in by_piece.items():
        assert ref.startswith(number + "-")
        assert re.match(REF, ref)
        assert customer["account"] == "411000" and customer["debit"] == income["credit"]
        assert income["account"] in ("708800", "763800", "758800")
        assert customer["journal"] == income["journal"] == "OD"
        assert customer["customer_name"] == 'Dupont; "Frères"'  # quoted, kept exact
    kinds = {rows[i]["kind"]: rows[i]["piece"] for i in range(0, 6, 2)}
    assert kinds["fee"][len(number) + 1] == "F" and kinds["penalty"][len(number) + 1] == "P"
    stored = {c.charge_ref for c in charges(db)}
    assert stored == set(result.references)
    assert all(c.exported_at is not None for c in charges(db))
    # Exported once; --again writes them again with the same references.
    assert export(db).count == 0
    again = export(db, again=True)
    assert again.references == result.references and again.text == result.text


def test_since_limits_by_date_and_leaves_the_others_to_export(db: TestDB) -> None:
    with_charges(db)
    assert export(db, since=dt.date(2026, 3, 3)).count == 0
    assert all(c.exported_at is None for c in charges(db))
    assert export(db, since=dt.date(2026, 3, 2)).count == 3


def test_fec_export_has_the_18_fields_and_balanced_entries(db: TestDB) -> None:
    number = with_charges(db)
    text = export(db, "fec").text
    lines = text.splitlines()
    assert lines[0].split("\t") == list(FEC_FIELDS)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines[1:]:
        fields = dict(zip(FEC_FIELDS, line.split("\t"), strict=True))  # 18 fields each
        assert fields["EcritureDate"] == fields["PieceDate"] == "20260302"
        assert fields["EcritureNum"] == fields["PieceRef"]
        assert fields["EcritureNum"].startswith(number)
        assert "," in fields["Debit"] and "." not in fields["Debit"]
        sums[fields["EcritureNum"]][0] += Decimal(fields["Debit"].replace(",", "."))
        sums[fields["EcritureNum"]][1] += Decimal(fields["Credit"].replace(",", "."))
        if fields["CompteNum"].startswith("411"):
            assert fields["CompAuxNum"] == "CDUPONT"
    assert len(sums) == 3 and all(debit == credit > 0 for debit, credit in sums.values())
    # FEC and CSV share the references.
    assert set(sums) == set(export(db, again=True).references)


def test_round_trip_recognises_the_charges_then_settles_them(db: TestDB, tmp_path: Path) -> None:
    number = with_charges(db)
    path = tmp_path / "charges.csv"
    path.write_text(export(db).text, encoding="utf-8")
    before = entry_count(db)
    with db.ctx(TODAY) as ctx:
        report = import_csv(ctx, path)
    # No duplicate: the customer lines are our charges, the income lines another account.
    assert (report.added, report.unchanged, report.skipped_accounts) == (0, 3, 3)
    assert entry_count(db) == before
    with db.ctx(TODAY) as ctx:
        report = import_csv(ctx, path)  # again: still nothing
    assert report.added == 0 and entry_count(db) == before
    # The accounting letters a payment with the three charges.
    total = sum(c.debit for c in charges(db))
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    for row in rows:
        if row["account"] == "411000":
            row["lettering"] = "AA"
    rows.append(
        dict.fromkeys(rows[0], "")
        | {
            "customer_code": "CDUPONT",
            "journal": "BQ",
            "date": "2026-03-10",
            "piece": "RG1",
            "account": "411000",
            "label": "Reglement frais",
            "credit": str(total),
            "lettering": "AA",
        }
    )
    later = tmp_path / "later.csv"
    with later.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    with db.ctx("2026-03-10") as ctx:
        report = import_csv(ctx, later)
    assert (report.added, report.updated) == (1, 3)
    assert entry_count(db) == before + 1
    assert all(c.lettering == "AA" and c.open_amount == 0 for c in charges(db))
    with db.session() as session:
        dossier = find_dossier(session, number)
        assert dossier.charges == Decimal("0.00")
        assert dossier.principal == Decimal("1000.00")  # the invoice is still owed


def test_charges_exported_as_fec_come_back_through_the_fec_import_as_themselves(
    db: TestDB, tmp_path: Path
) -> None:
    """The accounting's next FEC export brings the charge lines back: recognised by their
    reference (one hook for both imports), no second entry."""
    from engine.fec_import import import_fec

    with_charges(db)
    path = tmp_path / "charges.txt"
    path.write_text(export(db, "fec").text, encoding="utf-8")
    before = entry_count(db)
    with db.ctx(TODAY) as ctx:
        report = import_fec(ctx, path)
    assert (report.added, report.unchanged) == (0, 3)
    assert entry_count(db) == before


def test_a_line_with_the_reference_but_another_amount_is_not_the_charge(db: TestDB) -> None:
    with_charges(db)
    result = export(db)
    customer_id = charges(db)[0].customer_id
    fee = next(c for c in charges(db) if c.kind == "fee")
    assert fee.charge_ref is not None
    with db.ctx(TODAY) as ctx:
        found = known_charges(
            ctx,
            [
                (customer_id, fee.charge_ref, Decimal("31.00"), Decimal(0)),  # other amount
                (customer_id + 1, fee.charge_ref, fee.debit, Decimal(0)),  # other customer
                (customer_id, fee.charge_ref, fee.debit, Decimal(0)),  # this is it
                (customer_id, fee.charge_ref, fee.debit, Decimal(0)),  # once only
                (customer_id, "", Decimal(0), Decimal(0)),
            ],
        )
    assert list(found) == [2] and found[2].id == fee.id
    assert fee.charge_ref in result.references


def test_income_account_and_journal_settings_are_checked(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        for key, value in (
            ("charges_account_fee", "411999"),  # a customer account
            ("charges_account_penalty", "76a"),
            ("charges_account_indemnity", ""),
            ("charges_journal", "O D"),
            ("charges_journal", ""),
            ("join_new_invoices", "maybe"),
        ):
            with pytest.raises(UserError, match=key):
                set_setting(ctx.session, key, value, ctx.actor)
        assert set_setting(ctx.session, "charges_journal", "rec", ctx.actor) == "REC"
        assert set_setting(ctx.session, "charges_account_fee", "706100", ctx.actor) == "706100"


def test_an_income_account_under_a_later_prefix_refuses_the_export(db: TestDB) -> None:
    with_charges(db)
    with db.ctx(TODAY) as ctx:
        set_setting(ctx.session, "customer_account_prefix", "7", ctx.actor)
    with pytest.raises(UserError, match="charges_account_fee"):
        export(db)
    assert all(c.exported_at is None for c in charges(db))


def run_cli(db: TestDB, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", MANAGER, "--today", TODAY, "export", "charges", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_good_and_bad_values(
    db: TestDB, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_charges(db)
    existing = tmp_path / "old.csv"
    existing.write_text("keep me", encoding="utf-8")
    for args in (
        ("--format", "xml"),
        ("--since", "2026-13-01"),
        ("--out", str(existing)),
        ("--out", str(tmp_path / "missing" / "x.csv")),
    ):
        code, _out, err = run_cli(db, capsys, *args)
        assert code == 2, args
        assert err.strip() and "Traceback" not in err
        assert all(c.exported_at is None for c in charges(db)), args
    assert existing.read_text(encoding="utf-8") == "keep me"
    code, out, _err = run_cli(db, capsys, "--format", "FEC")
    assert code == 0 and out.splitlines()[0].split("\t") == list(FEC_FIELDS)
    assert len(out.splitlines()) == 7
    target = tmp_path / "again.csv"
    code, out, _err = run_cli(db, capsys, "--again", "--since", "2026-03-01", "--out", str(target))
    assert code == 0 and "3 charges" in out and str(target) in out
    assert len(target.read_text(encoding="utf-8").splitlines()) == 7
    code, out, _err = run_cli(db, capsys)
    assert code == 0 and len(out.splitlines()) == 1  # the header: nothing left to export
