"""The placeholders of a letter read on its day (engine.documents.context) and the letter
composed from them (engine.documents.compose)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import select

from engine.balances import refresh_open_amounts
from engine.documents.compose import compose_letter
from engine.documents.context import (
    CONTEXT_CLASSES,
    customer_context,
    dossier_context,
    format_day,
    format_money,
    format_percent,
    place_and_date,
    sample_context,
)
from engine.dossiers import open_dossier
from engine.effects import charge_penalties
from engine.errors import UserError
from engine.settings import set_setting
from models.tables import Contact, Customer, Dossier, Entry
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

NBSP = "\u00a0"
IBAN = "FR7630006000011234567890189"


def seed(db: TestDB, *, flat: bool = True, consumer: bool = False) -> int:
    """Dupont Frères: 1,200.00 due 2026-02-01 (DOMAIN §5's example), 300.00 due 2026-03-20
    (not due on 03-02), a 100.00 credit note; a dossier opened on 2026-03-02."""
    with db.ctx("2026-03-02") as ctx:
        if flat:
            set_setting(ctx.session, "penalty_rate", "12.15", None)
        for key, value in {
            "company_name": "Ma Société SAS",
            "company_address": "8 avenue de l'Opéra\n75001 Paris",
            "company_siren": "732829320",
            "company_vat": "FR44732829320",
            "company_iban": IBAN,
            "company_bic": "AGRIFRPP",
            "company_place": "Paris",
            "company_signatory": "Claire Lefèvre",
        }.items():
            set_setting(ctx.session, key, value, None)
        customer = add_customer(
            ctx.session, address="3 rue Haute\n69001 Lyon", siren="552100554", consumer=consumer
        )
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "1200.00",
            due="2026-02-01",
            invoice="F1",
        )
        add_entry(
            ctx.session, customer, "invoice", "2026-02-18", "300.00", due="2026-03-20", invoice="F2"
        )
        add_entry(ctx.session, customer, "credit_note", "2026-01-20", "100.00", invoice="AV1")
        dossier = open_dossier(ctx, "CDUPONT", None, reason="Impayés")
        assert dossier.id is not None
        return dossier.id


def test_formats_in_both_languages() -> None:
    amount = Decimal("1234.56")
    assert format_money(amount, "fr", "EUR") == f"1{NBSP}234,56{NBSP}€"
    assert format_money(amount, "en", "EUR") == "€1,234.56"
    assert format_money(Decimal("-5"), "en", "EUR") == "-€5.00"
    assert format_money(amount, "fr", "USD") == f"1{NBSP}234,56{NBSP}$US"
    day = dt.date(2026, 11, 30)
    assert format_day(day, "fr") == "30 novembre 2026"
    assert format_day(day, "en") == "30 November 2026"
    assert format_day(dt.date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert format_percent(Decimal("12.15"), "fr") == f"12,15{NBSP}%"
    assert format_percent(Decimal("12.15"), "en") == "12.15%"
    assert place_and_date("Paris", day, "fr") == "Paris, le 30 novembre 2026"
    assert place_and_date("Paris", day, "en") == "Paris, 30 November 2026"
    assert place_and_date("", day, "fr") == "Le 30 novembre 2026"


def test_placeholders_are_plain_frozen_data() -> None:
    for kind in ("dossier", "customer"):
        context = sample_context("fr", kind)
        for cls in CONTEXT_CLASSES:
            assert dataclasses.is_dataclass(cls)
            assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            context.customer.name = "x"  # type: ignore[misc]
        for value in context.variables().values():
            assert value is not None


def test_sample_refuses_unknown_language_and_kind() -> None:
    with pytest.raises(UserError, match="de"):
        sample_context("de")
    with pytest.raises(UserError, match="letter kind"):
        sample_context("fr", "memo")


def test_interest_accrued_matches_the_worked_example(db: TestDB) -> None:
    """DOMAIN §5: flat 12.15 %, 1,200.00 due 2026-02-01 → on 2026-03-27, 21.57 accrued."""
    dossier_id = seed(db)
    with db.ctx("2026-03-27") as ctx:
        context = dossier_context(ctx, dossier_id, d("2026-03-27"), "fr")
        assert context.interest_accrued == Decimal("21.57")
        assert context.penalty_rate == Decimal("12.15")
        assert context.interest_accrued_text == f"21,57{NBSP}€"
        # Charged on 03-27: nothing left accrued that day; 4.39 more on 04-07.
        dossier = ctx.session.get(Dossier, dossier_id)
        assert dossier is not None
        charge_penalties(ctx, dossier, d("2026-03-27"), None)
        ctx.session.flush()
        after = dossier_context(ctx, dossier_id, d("2026-03-27"), "fr")
        assert after.interest_accrued == Decimal("0.00")
        assert after.penalties_charged == Decimal("21.57")
        assert after.indemnities_charged == Decimal("40.00")
        later = dossier_context(ctx, dossier_id, d("2026-04-07"), "en")
        assert later.interest_accrued == Decimal("4.39")
        assert later.totals.charges == Decimal("61.57")
        assert later.totals.due == later.totals.principal + Decimal("61.57")
        assert later.interest_accrued_text == "€4.39"


def test_dossier_context_on_day(db: TestDB) -> None:
    dossier_id = seed(db)
    with db.ctx("2026-03-02") as ctx:
        customer = ctx.session.get(Customer, ctx.session.get(Dossier, dossier_id).customer_id)  # type: ignore[union-attr]
        assert customer is not None
        # A payment of 500 dated 03-10, lettered with F1: the letter of 03-05 ignores it.
        pay = add_entry(ctx.session, customer, "payment", "2026-03-10", "500.00", lettering="AA")
        f1 = ctx.session.exec(select(Entry).where(Entry.invoice == "F1")).one()
        assert pay.id is not None and customer.id is not None
        f1.lettering = "AA"
        ctx.session.flush()
        refresh_open_amounts(ctx.session, customer.id)
    with db.ctx("2026-03-12") as ctx:
        early = dossier_context(ctx, dossier_id, d("2026-03-05"), "fr")
        assert early.kind == "dossier" and early.dossier.number.startswith("D")
        assert [i.invoice for i in early.items] == ["AV1", "F1"]
        f1_item = next(i for i in early.items if i.invoice == "F1")
        assert f1_item.open_amount == Decimal("1200.00") and f1_item.days_late == 32
        credit = next(i for i in early.items if i.invoice == "AV1")
        assert credit.open_amount == Decimal("-100.00") and credit.days_late == 0
        assert credit.kind_text == "Avoir"
        assert early.totals.principal == Decimal("1100.00")
        assert early.totals.overdue == Decimal("1200.00")
        assert early.dossier.reason == "Impayés"
        assert early.deadline == d("2026-03-13")
        assert early.deadline_text == "13 mars 2026"
        assert early.indemnity == Decimal("40.00")
        assert early.company.address_lines == ("8 avenue de l'Opéra", "75001 Paris")
        assert early.agent.login == "boss"
        late = dossier_context(ctx, dossier_id, d("2026-03-12"), "en")
        f1_late = next(i for i in late.items if i.invoice == "F1")
        assert f1_late.open_amount == Decimal("700.00")
        assert late.totals.principal == Decimal("600.00")
        assert f1_late.kind_text == "Invoice"


def test_consumer_has_no_indemnity(db: TestDB) -> None:
    dossier_id = seed(db, consumer=True)
    with db.ctx("2026-03-27") as ctx:
        assert dossier_context(ctx, dossier_id, d("2026-03-27"), "fr").indemnity == 0


def test_customer_context_reminder_and_statement(db: TestDB) -> None:
    seed(db)
    with db.ctx("2026-03-12") as ctx:
        customer = ctx.session.exec(select(Customer)).one()
        f2 = ctx.session.exec(select(Entry).where(Entry.invoice == "F2")).one()
        assert customer.id is not None and f2.id is not None
        reminder = customer_context(ctx, customer.id, d("2026-03-12"), "fr", entry_ids=[f2.id])
        assert reminder.kind == "customer" and reminder.dossier.number == ""
        assert [i.invoice for i in reminder.items] == ["F2"]
        assert reminder.items[0].days_late == 0
        assert reminder.totals.due == Decimal("300.00") and reminder.totals.overdue == 0
        assert reminder.interest_accrued == 0
        statement = customer_context(ctx, customer.id, d("2026-03-12"), "en")
        assert [i.invoice for i in statement.items] == ["AV1", "F1", "F2"]
        assert statement.totals.due == Decimal("1400.00")
        assert statement.totals.overdue == Decimal("1200.00")
        until = customer_context(ctx, customer.id, d("2026-03-12"), "en", due_until=d("2026-03-01"))
        assert [i.invoice for i in until.items] == ["F1"]
        with pytest.raises(UserError, match="customer"):
            customer_context(ctx, 999_999, d("2026-03-12"), "fr")
        with pytest.raises(UserError, match="'it'"):
            customer_context(ctx, customer.id, d("2026-03-12"), "it")


def test_missing_rate_is_refused_not_guessed(db: TestDB) -> None:
    """With the dated table and no row for the half-year of the letter's day, the rate is
    not reused silently: the context is refused naming the half-year."""
    dossier_id = seed(db, flat=False)
    with db.ctx("2026-11-30") as ctx, pytest.raises(UserError, match="2026-07-01"):
        dossier_context(ctx, dossier_id, d("2026-11-30"), "fr")


def test_compose_letter(db: TestDB) -> None:
    dossier_id = seed(db)
    with db.ctx("2026-03-27") as ctx:
        contact = Contact(
            customer_id=ctx.session.get(Dossier, dossier_id).customer_id,  # type: ignore[union-attr]
            name="Sophie Martin",
            address="Service comptable\nBP 12\n69002 Lyon",
        )
        ctx.session.add(contact)
        ctx.session.flush()
        ctx.session.get(Dossier, dossier_id).main_contact_id = contact.id  # type: ignore[union-attr]
        ctx.session.flush()
        context = dossier_context(ctx, dossier_id, d("2026-03-27"), "fr")
        letter, version = compose_letter(ctx, "mise_en_demeure", "fr", context)
        assert version == 0
        assert letter.subject.startswith("Objet : Mise en demeure de payer")
        assert letter.place_date == "Paris, le 27 mars 2026"
        assert letter.sender.name == "Ma Société SAS"
        assert letter.sender.address == ("8 avenue de l'Opéra", "75001 Paris")
        assert "SIREN 732829320" in letter.sender_lines
        assert letter.recipient.name == "Dupont Frères"
        assert letter.recipient.address == (
            "À l'attention de Sophie Martin",
            "Service comptable",
            "BP 12",
            "69002 Lyon",
        )
        assert letter.notes == ("Lettre recommandée avec accusé de réception",)
        assert letter.signatory == "Claire Lefèvre"
        assert letter.footer == "Ma Société SAS – SIREN 732829320 – TVA FR44732829320"
        assert letter.payment is not None
        assert letter.payment.amount == context.totals.due == Decimal("1100.00")
        assert letter.payment.reference == context.dossier.number
        assert letter.payment.iban == IBAN
        assert any("12,15" in block for block in letter.blocks if isinstance(block, str))
        english, _ = compose_letter(
            ctx, "relance_1", "en", dossier_context(ctx, dossier_id, d("2026-03-27"), "en")
        )
        assert english.notes == () and english.place_date == "Paris, 27 March 2026"
        assert english.recipient.address[0] == "For the attention of Sophie Martin"
        with pytest.raises(UserError, match="placeholders"):
            compose_letter(ctx, "relance_1", "en", context)
        set_setting(ctx.session, "company_iban", "", None)
        ctx.settings = type(ctx.settings).load(ctx.session)
        bare = dossier_context(ctx, dossier_id, d("2026-03-27"), "fr")
        assert compose_letter(ctx, "relance_1", "fr", bare)[0].payment is None
