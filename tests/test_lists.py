"""The dossier list columns follow the interventions and entries, and list windows filter
and sort in SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from engine.customers import edit_customer
from engine.daily import run_daily
from engine.dossiers import close, find_dossier, open_dossier, pause
from engine.interventions import add_manual, mark_done
from engine.reads.dossier_list import DossierFilter, dossier_count, dossier_totals, dossier_window
from engine.reads.filters import fold, key_pattern
from engine.reads.lookup import find_targets
from engine.reads.views import dossier_rows
from engine.scenarios import BUILTIN_NAME
from engine.search_keys import refresh_search_keys
from models.states import DossierStatus
from models.tables import Customer, Dossier, History
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

TODAY = dt.date(2026, 3, 2)


def seed(db: TestDB) -> None:
    with db.ctx() as ctx:
        for code, name, amount, due in (
            ("CDUPONT", "Dupont Frères", "1200.00", "2026-02-01"),
            ("CÉLINE", "Céline Écoles SARL", "80.00", "2026-01-15"),
            ("CMARTIN", "Martin & Fils", "5000.00", "2026-02-20"),
        ):
            customer = add_customer(ctx.session, code, name)
            add_entry(ctx.session, customer, "invoice", "2025-12-01", amount, due=due)
            open_dossier(ctx, code, BUILTIN_NAME)


def columns(db: TestDB, number: str) -> tuple[object, ...]:
    with db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == number)).one()
        return dossier.next_action, dossier.current_step, dossier.oldest_due


def test_list_columns_follow_the_interventions(db: TestDB) -> None:
    seed(db)
    assert columns(db, "D000001") == (TODAY, "Relance téléphonique", d("2026-02-01"))
    with db.ctx() as ctx:
        mark_done(ctx, 1)
        mark_done(ctx, 4)  # step 2 of D000001
    assert columns(db, "D000001") == (d("2026-03-09"), "Envoi 1ère relance", d("2026-02-01"))
    with db.ctx() as ctx:
        add_manual(ctx, "D000001", "phone", d("2026-03-04"))
        pause(ctx, "D000002", d("2026-03-20"), "Promesse")
    assert columns(db, "D000001")[0] == d("2026-03-04")
    assert columns(db, "D000002")[0] == d("2026-03-23")
    with db.ctx() as ctx:
        run_daily(ctx)
    assert columns(db, "D000001")[0] == d("2026-03-04")


def test_windows_filter_sort_and_count_in_sql(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        everything = DossierFilter()
        assert dossier_count(session, everything) == 3
        rows = dossier_window(session, DossierFilter(sort="balance", descending=True), 0, 10, TODAY)
        assert [r["customer"] for r in rows] == ["CMARTIN", "CDUPONT", "CÉLINE"]
        assert rows[0]["balance"] == Decimal("5000.00")
        late = dossier_window(session, DossierFilter(sort="late", descending=True), 0, 10, TODAY)
        assert [(r["customer"], r["days_late"]) for r in late] == [
            ("CÉLINE", 46),
            ("CDUPONT", 29),
            ("CMARTIN", 10),
        ]
        named = DossierFilter(text="écoles")
        assert [r["number"] for r in dossier_window(session, named, 0, 10, TODAY)] == ["D000002"]
        assert [
            r["number"]
            for r in dossier_window(session, DossierFilter(text="d000003"), 0, 10, TODAY)
        ] == ["D000003"]
        assert dossier_window(session, everything, 2, 10, TODAY)[0]["number"] == "D000003"
        totals = dossier_totals(session, everything, TODAY)
        assert totals == {"dossiers": 3, "balance": Decimal("6280.00"), "due_today": 3}
        assert dossier_count(session, DossierFilter(agent="nobody")) == 0


def test_dossier_page_offers_every_scenario_with_its_steps(db: TestDB) -> None:
    """The move form lists every scenario, the dossier's own among them."""
    from engine.reads.dossier_page import dossier_page
    from engine.scenarios import COURTESY, save_scenario

    with db.ctx(d("2026-03-02")) as ctx:
        save_scenario(ctx.session, COURTESY, actor=None)
        customer = add_customer(ctx.session, "C1", "Un")
        add_entry(ctx.session, customer, "invoice", "2026-01-01", "100.00", due="2026-02-01")
        open_dossier(ctx, "C1", COURTESY.name)
        page = dossier_page(ctx, "D000001")
    names = [s["name"] for s in page["scenarios"]]
    assert names == sorted(names) and set(names) == {BUILTIN_NAME, COURTESY.name}
    by_name = {s["name"]: s["steps"] for s in page["scenarios"]}
    assert page["steps"] == by_name[COURTESY.name]
    assert by_name[COURTESY.name][1] == {
        "step_no": 2,
        "name": "E-mail de rappel",
        "delay": 7,
        "type": "email",
    }


# -- search: case and accents ignored, alike on both backends


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("etabl", "Établissements"),
        ("ÉTABL", "établissements"),
        ("valerie", "Valérie"),
        ("strasse", "Straße"),
        ("STRASSE", "straße"),
        ("straße", "Strasse"),
        ("coeur", "Cœur"),
        ("CŒUR", "coeur"),
        ("aegis", "Ægis"),
        ("finance", "ﬁnance"),  # the ligature U+FB01
        ("ﬁn", "Finance"),
        ("e\u0301tabl", "Établi"),  # typed with a combining accent
        ("établ", "E\u0301tabli"),  # stored decomposed (NFD)
        ("n°", "N° 5"),
        ("x²", "X2"),
    ],
)
def test_folding_makes_typed_and_stored_text_meet(typed: str, stored: str) -> None:
    assert fold(typed) in fold(stored)


def test_like_wildcards_in_typed_text_stay_literal() -> None:
    assert key_pattern("100%") == "%100\\%%"
    assert key_pattern("a_b") == "%a\\_b%"
    assert key_pattern("  Éé  ") == "%ee%"
    assert key_pattern("\x00é\x1f") == "%e%"  # NUL and the key's separator are dropped


def seed_names(db: TestDB) -> None:
    """Customers whose names need folding, one dossier each (D000001…D000008)."""
    with db.ctx() as ctx:
        for code, name in (
            ("CETAB", "Établissements Roux"),
            ("CETAB2", "ETABLISSEMENTS BLANC"),
            ("CVAL", "Valérie Dubois"),
            ("CGROSS", "Großmann GmbH"),
            ("CCOEUR", "Cœur de Lion"),
            ("CPCT", "100% Bio"),
            ("CUND", "A_B Conseil"),
            ("CAXB", "AXB Conseil"),
        ):
            customer = add_customer(ctx.session, code, name)
            add_entry(ctx.session, customer, "invoice", "2025-12-01", "100.00", due="2026-02-01")
            open_dossier(ctx, code, BUILTIN_NAME)


def found(db: TestDB, typed: str) -> list[str]:
    with db.session() as session:
        flt = DossierFilter(text=typed)
        rows = [r["customer"] for r in dossier_window(session, flt, 0, 50, TODAY)]
        assert dossier_count(session, flt) == len(rows)
        assert dossier_totals(session, flt, TODAY)["dossiers"] == len(rows)
        return rows


def test_dossier_filter_ignores_case_and_accents(db: TestDB) -> None:
    seed_names(db)
    for typed in ("etabl", "établ", "Établ", "ÉTABL", "e\u0301tabl"):
        assert found(db, typed) == ["CETAB", "CETAB2"], typed
    assert found(db, "valerie") == found(db, "VALÉRIE") == ["CVAL"]
    assert found(db, "grossmann") == found(db, "GROẞMANN") == found(db, "großm") == ["CGROSS"]
    assert found(db, "coeur de") == found(db, "CŒUR") == ["CCOEUR"]
    assert found(db, "cetab2") == ["CETAB2"]  # the code too
    assert found(db, "d000003") == ["CVAL"]  # and the number
    # LIKE's wildcards are text like any other
    assert found(db, "%") == ["CPCT"]
    assert found(db, "0% b") == ["CPCT"]
    assert found(db, "a_b") == ["CUND"]
    assert found(db, "_") == ["CUND"]
    # no match across the key's parts (number, code, name)
    assert found(db, "cval valerie") == []


def test_palette_ignores_case_and_accents(db: TestDB) -> None:
    seed_names(db)
    with db.session() as session:
        keys = [key for _kind, key, _label in find_targets(session, "Établ")]
        assert keys == ["D000002", "D000001", "CETAB", "CETAB2"]
        assert keys == [key for _k, key, _l in find_targets(session, "etabl")]
        assert [key for _k, key, _l in find_targets(session, "valerie")] == ["D000003", "CVAL"]
        assert [key for _k, key, _l in find_targets(session, "a_b")] == ["D000007", "CUND"]
        assert next(key for _k, key, _l in find_targets(session, "3")) == "D000003"


def test_search_keys_follow_a_renamed_customer(db: TestDB) -> None:
    seed_names(db)
    with db.ctx() as ctx:
        edit_customer(ctx, "CVAL", name="Hélène Martin")
    assert found(db, "valerie") == []
    assert found(db, "helene") == ["CVAL"]
    with db.session() as session:
        key = session.exec(select(Customer.search_key).where(Customer.code == "CVAL")).one()
        assert key == "cval\x1fhelene martin"
        # derived: history does not carry it
        changes = session.exec(select(History.after).where(History.table_name == "customer"))
        assert not any("search_key" in (after or "") for after in changes)


def test_refresh_rebuilds_search_keys_written_outside_the_orm(db: TestDB) -> None:
    """What migration 0006 and rows inserted in bulk rely on."""
    seed_names(db)
    with db.session() as session:
        session.execute(update(Customer).values(search_key=""))
        session.execute(update(Dossier).values(search_key=""))
        session.commit()
        assert found(db, "etabl") == []
        refresh_search_keys(session)
        session.commit()
    assert found(db, "etabl") == ["CETAB", "CETAB2"]
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT search_key FROM dossier ORDER BY number")).scalars()
        assert next(iter(keys)) == "d000001\x1fcetab\x1fetablissements roux"


# -- sorting by next date


def next_dates(db: TestDB, descending: bool) -> list[tuple[str, dt.date | None]]:
    with db.session() as session:
        flt = DossierFilter(sort="next_action", descending=descending)
        return [(r["number"], r["next_action"]) for r in dossier_window(session, flt, 0, 10, TODAY)]


def test_sorting_by_next_date_puts_dossiers_without_one_last(db: TestDB) -> None:
    """Both directions, both backends (SQLite sorts NULLs first, PostgreSQL last)."""
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, 1)
        mark_done(ctx, 4)  # D000001's next step comes a week later
        add_manual(ctx, "D000003", "phone", d("2026-03-04"))
        close(ctx, find_dossier(ctx.session, "D000002", lock=True), "test", TODAY)
    assert next_dates(db, descending=False) == [
        ("D000003", TODAY),
        ("D000001", d("2026-03-09")),
        ("D000002", None),
    ]
    assert next_dates(db, descending=True) == [
        ("D000001", d("2026-03-09")),
        ("D000003", TODAY),
        ("D000002", None),
    ]


def test_sorting_by_name_and_typed_rows(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        rows = dossier_window(session, DossierFilter(sort="name"), 0, 10, TODAY)
        names = [r["customer_name"] for r in rows]
        assert names == ["Céline Écoles SARL", "Dupont Frères", "Martin & Fils"]
        flt = DossierFilter(sort="name", descending=True)
        assert [r["customer_name"] for r in dossier_window(session, flt, 0, 10, TODAY)] == names[
            ::-1
        ]
        assert all(r["status"] is DossierStatus.OPEN for r in rows)
        assert rows[0]["status"] == "open"  # a StrEnum: equal to the stored string


def test_the_command_line_reads_the_same_list(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        pause(ctx, "D000002", d("2026-03-20"), "Promesse")
    with db.session() as session:
        window = dossier_window(session, DossierFilter(), 0, None, TODAY)
        listed = dossier_rows(session)
        assert [list(r) for r in listed] == [
            ["number", "customer", "status", "scenario", "agent", "balance", "next_action"]
        ] * 3
        assert [(r["number"], r["status"], r["balance"]) for r in listed] == [
            (r["number"], r["status"], r["balance"]) for r in window
        ]
        assert [r["number"] for r in dossier_rows(session, status="paused")] == ["D000002"]
        assert dossier_rows(session, agent="nobody") == []
