"""Lettering in the program (engine.lettering) on both backends: codes, partial lettering,
refusals, dossiers closed and reopened, suggestions, and the CSV import's lettering winning."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from engine.access import add_user
from engine.context import Ctx
from engine.csv_import import import_csv
from engine.dossiers import open_dossier
from engine.errors import Forbidden, NotFound, UserError
from engine.lettering import (
    letter_entries,
    next_free_code,
    preview_lettering,
    suggestions,
    unletter,
)
from engine.scenarios import BUILTIN_NAME
from models.tables import Dossier, Entry, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d
from tui.cli import main


def test_codes_run_aa_to_zz_then_three_letters() -> None:
    assert next_free_code([]) == "AA"
    assert next_free_code(["AA", "AB"]) == "AC"
    assert next_free_code(["AA", "AC"]) == "AB"
    assert next_free_code(["A" + c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]) == "BA"
    assert next_free_code(["aa"]) == "AB"  # one group to a reader, whatever the case
    every_pair = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    assert next_free_code(every_pair) == "AAA"


def seed(db: TestDB) -> dict[str, int]:
    """CDUPONT owes F1 1200 (due 02-01) and F2 300 (due 02-15); paid 1500 and 100; an old
    pair is lettered AA. CMARTIN owes 80 and paid 80."""
    with db.ctx() as ctx:
        s = ctx.session
        c = add_customer(s)
        ids = {
            "f1": add_entry(s, c, "invoice", "2026-01-02", "1200.00", due="2026-02-01"),
            "f2": add_entry(s, c, "invoice", "2026-01-15", "300.00", due="2026-02-15"),
            "p1": add_entry(s, c, "payment", "2026-03-01", "1500.00"),
            "p2": add_entry(s, c, "payment", "2026-03-01", "100.00"),
            "old": add_entry(s, c, "invoice", "2025-11-01", "50.00", lettering="AA"),
            "oldp": add_entry(s, c, "payment", "2025-12-01", "50.00", lettering="AA"),
            "other_account": add_entry(s, c, "payment", "2026-03-01", "10.00", account="411100"),
        }
        m = add_customer(s, "CMARTIN", "Martin SA")
        ids["m1"] = add_entry(s, m, "invoice", "2026-01-02", "80.00", due="2026-02-01")
        ids["mp"] = add_entry(s, m, "payment", "2026-03-01", "80.00")
        add_user(s, None, "alice", "agent")
        add_user(s, None, "audrey", "auditor")
        return {k: e.id for k, e in ids.items()}  # type: ignore[misc]


def entry(db: TestDB, entry_id: int) -> Entry:
    with db.session() as s:
        found = s.get(Entry, entry_id)
        assert found is not None
        s.expunge(found)
        return found


def test_letter_takes_the_next_free_code_and_settles(db: TestDB) -> None:
    ids = seed(db)
    with db.ctx(login="alice") as ctx:
        result = letter_entries(ctx, [ids["f1"], ids["f2"], ids["p1"]])
    assert (result.code, result.account, result.customer) == ("AB", "411000", "CDUPONT")
    assert result.open_amount == Decimal("0.00")
    for key in ("f1", "f2", "p1"):
        assert entry(db, ids[key]).lettering == "AB"
        assert entry(db, ids[key]).open_amount == 0
    with db.session() as s:
        rows = s.exec(select(History).where(History.action == "letter")).all()
        assert len(rows) == 1 and json.loads(rows[0].after or "")["code"] == "AB"


def test_codes_restart_for_every_account_and_customer(db: TestDB) -> None:
    ids = seed(db)
    with db.ctx() as ctx:
        assert letter_entries(ctx, [ids["m1"], ids["mp"]]).code == "AA"


def test_partial_lettering_leaves_the_rest_on_the_latest_invoice(db: TestDB) -> None:
    ids = seed(db)
    with db.ctx(login="audrey") as ctx:  # a preview writes nothing: auditors see it too
        preview = preview_lettering(ctx, [ids["f1"], ids["f2"], ids["p2"]])
    assert (preview.code, preview.open_amount) == ("AB", Decimal("1400.00"))
    assert entry(db, ids["f1"]).lettering is None
    with db.ctx() as ctx:
        result = letter_entries(ctx, [ids["f1"], ids["f2"], ids["p2"]], code="XY")
    assert result.code == "XY" and result.open_amount == Decimal("1400.00")
    # The oldest due (F1) is settled first: 100 of it; F2 keeps its 300.
    assert entry(db, ids["f1"]).open_amount == Decimal("1100.00")
    assert entry(db, ids["f2"]).open_amount == Decimal("300.00")
    assert entry(db, ids["p2"]).open_amount == 0


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("customers", "different customers"),
        ("accounts", "different accounts"),
        ("lettered", "already lettered AA"),
        ("unknown", "Unknown entry 999999"),
        ("one", "two entries or more"),
        ("used_code", "already used"),
        ("bad_code", "Invalid lettering code"),
        ("long_code", "Invalid lettering code"),
    ],
)
def test_refused_lettering_writes_nothing(db: TestDB, case: str, message: str) -> None:
    ids = seed(db)
    args: dict[str, tuple[list[int], str | None]] = {
        "customers": ([ids["f1"], ids["mp"]], None),
        "accounts": ([ids["f1"], ids["other_account"]], None),
        "lettered": ([ids["f1"], ids["old"]], None),
        "unknown": ([ids["f1"], 999999], None),
        "one": ([ids["f1"]], None),
        "used_code": ([ids["f1"], ids["p1"]], "aa"),
        "bad_code": ([ids["f1"], ids["p1"]], "A1"),
        "long_code": ([ids["f1"], ids["p1"]], "A" * 21),
    }
    entry_ids, code = args[case]
    with pytest.raises(UserError, match=message), db.ctx() as ctx:
        letter_entries(ctx, entry_ids, code=code)
    assert entry(db, ids["f1"]).lettering is None


def test_auditors_are_refused(db: TestDB) -> None:
    ids = seed(db)
    with pytest.raises(Forbidden), db.ctx(login="audrey") as ctx:
        letter_entries(ctx, [ids["f1"], ids["p1"]])
    with pytest.raises(Forbidden), db.ctx(login="audrey") as ctx:
        unletter(ctx, "CDUPONT", "AA")


def test_settling_closes_the_dossier_and_unlettering_reopens_it(db: TestDB) -> None:
    with db.ctx() as ctx:
        c = add_customer(ctx.session, "CNEW", "Nouveau")
        f1 = add_entry(ctx.session, c, "invoice", "2026-01-02", "700.00", due="2026-02-01")
        f2 = add_entry(ctx.session, c, "invoice", "2026-01-03", "300.00", due="2026-02-02")
        number = open_dossier(ctx, "CNEW", BUILTIN_NAME).number
        # Paid after the dossier opened: the payment is not in it.
        paid = add_entry(ctx.session, c, "payment", "2026-03-02", "1000.00")
        ids = [f1.id or 0, f2.id or 0, paid.id or 0]
    with db.ctx() as ctx:
        result = letter_entries(ctx, ids)
    assert result.closed == [number] and result.open_amount == 0
    with db.session() as s:
        dossier = s.exec(select(Dossier).where(Dossier.number == number)).one()
        assert (dossier.status, dossier.principal) == ("closed", Decimal("0.00"))
        dossier_id = str(dossier.id)
        assert s.exec(
            select(History).where(
                History.table_name == "dossier",
                History.record_id == dossier_id,
                History.after.contains('"closed"'),  # type: ignore[union-attr]
            )
        ).first()
    with db.ctx() as ctx:
        undone = unletter(ctx, "CNEW", result.code)
    assert undone.reopened == [number] and undone.accounts == ["411000"]
    assert sorted(undone.entry_ids) == sorted(ids)
    with db.session() as s:
        dossier = s.exec(select(Dossier).where(Dossier.number == number)).one()
        assert (dossier.status, dossier.principal) == ("open", Decimal("1000.00"))
        assert s.exec(select(History).where(History.action == "unletter")).first()
        assert s.exec(
            select(History).where(
                History.table_name == "dossier",
                History.record_id == dossier_id,
                History.after.contains('"open"'),  # type: ignore[union-attr]
            )
        ).first()
    assert entry(db, f1.id or 0).open_amount == Decimal("700.00")


def test_unletter_picks_every_account_unless_told(db: TestDB) -> None:
    ids = seed(db)
    with db.ctx() as ctx:
        c = ctx.session.get(Entry, ids["f1"])
        assert c is not None
        customer = c.customer_id
        from models.tables import Customer

        cust = ctx.session.get(Customer, customer)
        assert cust is not None
        add_entry(ctx.session, cust, "invoice", "2026-01-02", "10.00", account="411100")
    with db.ctx() as ctx:
        first = ctx.session.exec(
            select(Entry.id).where(Entry.account == "411100", Entry.kind == "invoice")
        ).one()
        assert first is not None
        assert letter_entries(ctx, [first, ids["other_account"]]).code == "AA"
    with pytest.raises(NotFound, match="on account 499"), db.ctx() as ctx:
        unletter(ctx, "CDUPONT", "AA", account="499")
    with db.ctx() as ctx:
        only = unletter(ctx, "CDUPONT", "AA", account="411100")
    assert only.accounts == ["411100"]
    assert entry(db, ids["old"]).lettering == "AA"
    with db.ctx() as ctx:
        assert unletter(ctx, "CDUPONT", "AA").accounts == ["411000"]
    with pytest.raises(NotFound, match="no entry lettered 'AA'"), db.ctx() as ctx:
        unletter(ctx, "CDUPONT", "AA")
    with pytest.raises(NotFound, match="Unknown customer"), db.ctx() as ctx:
        unletter(ctx, "NOBODY", "AA")


def test_suggestions_by_invoice_number_then_amount(db: TestDB) -> None:
    with db.ctx() as ctx:
        s = ctx.session
        c = add_customer(s)
        f1 = add_entry(s, c, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="F-101")
        f2 = add_entry(s, c, "invoice", "2026-01-03", "300.00", due="2026-02-02", invoice="F-102")
        f3 = add_entry(s, c, "invoice", "2026-01-04", "75.00", due="2026-02-03", invoice="F-1010")
        p1 = add_entry(s, c, "payment", "2026-03-01", "1500.00")
        p1.label = "VIR DUPONT FACT F-101 F-102"
        p2 = add_entry(s, c, "payment", "2026-03-02", "75.00")
        add_entry(s, c, "payment", "2026-03-03", "999.00")  # nothing matches
        s.flush()
        customer_id = c.id
    with db.ctx() as ctx:
        found = suggestions(ctx, customer_id or 0)
    assert [(x["payment"], x["invoices"], x["reason"]) for x in found] == [
        (p1.id, [f1.id, f2.id], "invoice_number"),  # F-101 does not name F-1010
        (p2.id, [f3.id], "amount"),
    ]
    assert found[0]["total"] == Decimal("1500.00")
    assert found[0]["numbers"] == ["F-101", "F-102"]
    assert found[0]["amounts"] == [Decimal("1200.00"), Decimal("300.00")]
    assert found[0]["left"] == 0  # settles in full
    assert (found[1]["payment_date"], found[1]["left"]) == (d("2026-03-02"), Decimal("0.00"))


def write_csv(path: Path, lines: list[str]) -> Path:
    header = (
        "customer_code;customer_name;journal;date;piece;invoice;account;label;debit;credit;"
        "lettering"
    )
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_accounting_import_wins_for_the_lines_it_carries(db: TestDB, tmp_path: Path) -> None:
    lines = [
        "C9;Neuf;VE;2026-01-02;P1;F1;411000;Facture;100.00;;",
        "C9;Neuf;BQ;2026-02-02;P2;;411000;Virement;;100.00;",
        "C9;Neuf;BQ;2026-02-03;P3;;411000;Virement;;5.00;",
    ]
    with db.ctx() as ctx:
        import_csv(ctx, write_csv(tmp_path / "a.csv", lines))
    with db.ctx() as ctx:
        ids = {e.piece: e.id or 0 for e in ctx.session.exec(select(Entry))}
        letter_entries(ctx, [ids["P1"], ids["P2"]])
    assert entry(db, ids["P1"]).open_amount == 0
    # The next file carries P1 and P2 unlettered: the accounting has not matched them.
    with db.ctx() as ctx:
        report = import_csv(ctx, write_csv(tmp_path / "b.csv", lines))
    assert report.updated == 2
    assert entry(db, ids["P1"]).lettering is None
    assert entry(db, ids["P1"]).open_amount == Decimal("100.00")
    # The accounting letters them its own way: its code stands.
    lines[0] += "ZZ"
    lines[2] += "ZZ"
    with db.ctx() as ctx:
        import_csv(ctx, write_csv(tmp_path / "c.csv", lines))
    assert entry(db, ids["P1"]).lettering == "ZZ"
    assert entry(db, ids["P1"]).open_amount == Decimal("95.00")


def _open_state(ctx: Ctx) -> tuple[dict[int, Decimal], dict[int, tuple[Decimal, str]]]:
    entries = {e.id or 0: e.open_amount for e in ctx.session.exec(select(Entry))}
    dossiers = {x.id or 0: (x.principal, x.status) for x in ctx.session.exec(select(Dossier))}
    return entries, dossiers


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chosen=st.sets(st.integers(min_value=0, max_value=7), min_size=2))
def test_lettering_then_unlettering_any_subset_changes_nothing(
    db: TestDB, chosen: set[int]
) -> None:
    with db.session() as s:
        seeded = s.exec(select(Entry).where(Entry.source_key == "prop:0")).first() is not None
    if not seeded:
        with db.ctx() as ctx:
            s = ctx.session
            c = add_customer(s, "CPROP", "Prop")
            for n, (kind, amount, due) in enumerate(
                [
                    ("invoice", "120.00", "2026-01-10"),
                    ("invoice", "80.50", "2026-01-20"),
                    ("credit_note", "20.00", None),
                    ("payment", "100.00", None),
                    ("payment", "25.00", None),
                    ("invoice", "49.99", "2026-02-10"),
                    ("invoice", "300.00", "2026-04-01"),  # not due: outside the dossier
                ]
            ):
                e = add_entry(s, c, kind, "2026-01-05", amount, due=due)
                e.source_key = f"prop:{n}"
            s.flush()
            open_dossier(ctx, "CPROP", BUILTIN_NAME)
            # Paid after the dossier opened: outside it, it can settle it.
            add_entry(s, c, "payment", "2026-03-02", "500.00").source_key = "prop:7"
            s.flush()
    session = db.factory()
    try:
        ctx = Ctx.load(session, "boss", d("2026-03-02"))
        keys = [f"prop:{n}" for n in sorted(chosen)]
        ids = list(session.exec(select(Entry.id).where(Entry.source_key.in_(keys))))  # type: ignore[attr-defined]
        before = _open_state(ctx)
        result = letter_entries(ctx, ids)  # type: ignore[arg-type]
        unletter(ctx, "CPROP", result.code)
        session.expire_all()
        assert _open_state(ctx) == before
    finally:
        session.rollback()
        session.close()


def run(db: TestDB, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", "boss", "--today", "2026-03-02", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_add_remove_and_suggest(db: TestDB, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed(db)
    code, out, _err = run(db, capsys, "lettering", "add", str(ids["f1"]), str(ids["p2"]))
    assert code == 0, _err
    assert "lettered AB" in out and "Left open: 1100.00" in out
    code, out, _err = run(db, capsys, "lettering", "remove", "AB", "--customer", "CDUPONT")
    assert code == 0 and "Lettering AB removed" in out
    assert entry(db, ids["f1"]).lettering is None
    code, out, _err = run(db, capsys, "lettering", "suggest", "CMARTIN", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["payment"], r["invoices"], r["reason"], r["amount"]) for r in rows] == [
        (ids["mp"], [ids["m1"]], "amount", "80.00")
    ]
    code, out, _err = run(db, capsys, "lettering", "suggest", "CMARTIN")
    assert code == 0 and "same amount" in out


@pytest.mark.parametrize(
    "args",
    [
        ("lettering", "add", "1", "x"),
        ("lettering", "add", "999998", "999999"),
        ("lettering", "add", "{f1}", "{mp}"),
        ("lettering", "add", "{f1}", "{p1}", "--code", "A-1"),
        ("lettering", "remove", "AA"),
        ("lettering", "remove", "QQ", "--customer", "CDUPONT"),
        ("lettering", "suggest", "NOBODY"),
    ],
)
def test_cli_bad_values_exit_2_and_write_nothing(
    db: TestDB, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    ids = seed(db)
    with db.session() as s:
        before = [(e.id, e.lettering, e.open_amount) for e in s.exec(select(Entry))]
    code, _out, err = run(db, capsys, *(a.format(**{k: v for k, v in ids.items()}) for a in args))
    assert code == 2 and err and "Traceback" not in err
    with db.session() as s:
        assert [(e.id, e.lettering, e.open_amount) for e in s.exec(select(Entry))] == before
