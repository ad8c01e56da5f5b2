"""The labels of the charges a done step writes (interest, indemnity, fees) go to the
accounting: they follow the company's ``document_language`` setting, not the language of
whoever marks the step done."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlmodel import col, select

from engine.access import add_user
from engine.dossiers import open_dossier
from engine.errors import UserError
from engine.i18n import current_language, set_language
from engine.interventions import mark_done
from engine.planning import current_todo
from engine.scenarios import ScenarioSpec, StepSpec, save_scenario
from engine.settings import Settings, set_setting
from models.tables import Entry
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry

TODAY = "2026-03-02"
LETTER = ScenarioSpec(
    "Mise en demeure",
    steps=[StepSpec("Mise en demeure", type="registered_letter", penalties=True, fees=Decimal(30))],
)
FRENCH = [
    "Pénalités de retard F-1 du 2026-01-31 au 2026-03-02",
    "Indemnité forfaitaire pour frais de recouvrement F-1",
    "Frais de recouvrement : Mise en demeure",
]
ENGLISH = [
    "Late-payment interest F-1 2026-01-31 → 2026-03-02",
    "Fixed recovery indemnity F-1",
    "Collection fees: Mise en demeure",
]


@pytest.fixture
def reader() -> Iterator[None]:
    yield
    set_language("en")


def charge_labels(db: TestDB, company: str | None, reader: str) -> list[str]:
    """An agent reading ``reader`` marks a penalty step done on a company whose documents
    are in ``company`` (None: the default)."""
    with db.ctx(TODAY) as ctx:
        if company is not None:
            set_setting(ctx.session, "document_language", company, ctx.actor)
        add_user(ctx.session, None, "alice", "agent", "Alice Martin")
        save_scenario(ctx.session, LETTER, actor=None)
        customer = add_customer(ctx.session, "CDUPONT", "Dupont Frères")
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2025-12-01",
            "1000.00",
            due="2026-01-31",
            invoice="F-1",
        )
        set_setting(ctx.session, "penalty_rate", "12", ctx.actor)
        dossier_id = open_dossier(ctx, "CDUPONT", LETTER.name, agent="alice").id
    assert dossier_id is not None
    set_language(reader)
    with db.ctx(TODAY, login="alice") as ctx:
        step = current_todo(ctx.session, dossier_id)
        assert step is not None and step.id is not None
        mark_done(ctx, step.id)
    assert current_language() == reader
    with db.session() as session:
        charges = session.exec(
            select(Entry).where(Entry.source == "collection").order_by(col(Entry.id))
        ).all()
    return [c.label for c in charges]


def test_an_english_speaking_agent_writes_french_labels_by_default(
    sqlite_db: TestDB, reader: None
) -> None:
    assert charge_labels(sqlite_db, None, "en") == FRENCH


def test_a_french_speaking_agent_writes_english_labels_when_the_company_says_so(
    sqlite_db: TestDB, reader: None
) -> None:
    assert charge_labels(sqlite_db, "en", "fr") == ENGLISH


def test_the_document_language_is_fr_or_en(sqlite_db: TestDB) -> None:
    with sqlite_db.ctx(TODAY) as ctx:
        assert Settings.load(ctx.session).document_language == "fr"
        assert set_setting(ctx.session, "document_language", " EN ", ctx.actor) == "en"
        assert Settings.load(ctx.session).document_language == "en"
        with pytest.raises(UserError, match=r"'de'.*expected one of en, fr"):
            set_setting(ctx.session, "document_language", "de", ctx.actor)


def test_what_the_engine_writes_as_text_is_stored_in_english(
    sqlite_db: TestDB, reader: None
) -> None:
    """A manual step's name and a move's outcome are stored in English whoever acts, and
    shown translated (tui.labels): the history reads the same words for everybody."""
    from engine.dossiers import move_to_step
    from engine.interventions import add_manual
    from models.tables import Dossier, Intervention

    charge_labels(sqlite_db, None, "fr")  # a dossier D000001 whose first step is done
    set_language("fr")
    with sqlite_db.ctx(TODAY) as ctx:
        manual = add_manual(ctx, "D000001", "phone")
        assert manual.step == "Manual"
    with sqlite_db.ctx(TODAY) as ctx:
        number = ctx.session.exec(select(Dossier.number)).one()
        move_to_step(ctx, number, 1)  # a step to do again…
    with sqlite_db.ctx("2026-03-03") as ctx:
        move_to_step(ctx, number, 1)  # …which a second move, a day later, skips saying why
    with sqlite_db.session() as session:
        outcomes = session.exec(select(Intervention.outcome)).all()
    assert "moved to step 1" in outcomes


def test_a_charge_names_the_invoice_it_belongs_to(sqlite_db: TestDB, reader: None) -> None:
    """The Entries tab and ``dossier show`` say which invoice each charge is on: stored with
    the charge, and read through its invoice link for charges written before."""
    from engine.reads.views import dossier_detail
    from models.tables import Dossier

    charge_labels(sqlite_db, None, "en")
    with sqlite_db.session() as session:
        charges = session.exec(select(Entry).where(Entry.source == "collection")).all()
        assert {(c.kind, c.invoice) for c in charges if c.invoice_id} == {
            ("penalty", "F-1"),
            ("indemnity", "F-1"),
        }
        for charge in charges:  # as charges were written before they carried it
            charge.invoice = ""
            session.add(charge)
        session.commit()
        number = session.exec(select(Dossier.number)).one()
        rows = dossier_detail(session, number)["entries"]
    assert {(r["kind"], r["invoice"]) for r in rows} == {
        ("invoice", "F-1"),
        ("penalty", "F-1"),
        ("indemnity", "F-1"),
        ("fee", ""),
    }
