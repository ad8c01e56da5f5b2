"""Documents as screens and commands show them: the letter kept for each intervention of a
dossier, a document's text and PDF, and the letters of the day to print (``letters``, the
Actions screen's batch)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from engine.dossiers import find_agent
from engine.errors import NotFound
from engine.i18n import _
from models.tables import (
    Contact,
    Customer,
    Document,
    Dossier,
    Intervention,
    ScenarioStep,
)


@dataclass(frozen=True)
class DocumentMark:
    """The letter of an intervention, in a list: which one, how it went out."""

    id: int
    intervention_id: int
    channel: str  # print | email | both | mark
    email_status: str  # "" | outbox | sent | failed
    email_error: str
    recipient: str


@dataclass(frozen=True)
class DocumentView:
    id: int
    intervention_id: int | None
    dossier: str | None  # its number
    template: str
    template_version: int
    language: str
    day: dt.date
    channel: str
    created_by: str
    subject: str
    text: str
    has_pdf: bool
    recipient: str
    email_status: str
    email_error: str


def intervention_documents(session: Session, dossier_id: int) -> dict[int, DocumentMark]:
    """The latest letter of each intervention of a dossier, by intervention id."""
    rows = session.execute(
        select_columns(
            col(Document.id),
            col(Document.intervention_id),
            col(Document.channel),
            col(Document.email_status),
            col(Document.email_error),
            col(Document.recipient),
        )
        .where(col(Document.dossier_id) == dossier_id, col(Document.intervention_id).is_not(None))
        .order_by(col(Document.id))
    ).all()
    marks: dict[int, DocumentMark] = {}
    for ident, intervention_id, channel, status, error, recipient in rows:
        assert ident is not None and intervention_id is not None
        marks[intervention_id] = DocumentMark(
            ident, intervention_id, channel, status, error, recipient
        )
    return marks


def document_view(session: Session, document_id: int) -> DocumentView:
    row = session.exec(
        select(Document, Dossier.number)
        .outerjoin(Dossier, col(Dossier.id) == col(Document.dossier_id))
        .where(Document.id == document_id)
    ).first()
    if row is None:
        raise NotFound(_("Unknown document {id}.").format(id=document_id))
    document, number = row
    assert document.id is not None
    return DocumentView(
        id=document.id,
        intervention_id=document.intervention_id,
        dossier=number,
        template=document.template,
        template_version=document.template_version,
        language=document.language,
        day=document.day,
        channel=document.channel,
        created_by=document.created_by,
        subject=document.subject,
        text=document.text,
        has_pdf=document.pdf is not None,
        recipient=document.recipient,
        email_status=document.email_status,
        email_error=document.email_error,
    )


def document_pdf(session: Session, document_id: int) -> bytes:
    pdf = session.exec(select(Document.pdf).where(Document.id == document_id)).first()
    if not pdf:
        raise NotFound(_("Document {id} has no PDF.").format(id=document_id))
    return bytes(pdf)


@dataclass(frozen=True)
class DueLetter:
    """A step to do whose letter is due on or before a day: what ``letters`` prints (or
    e-mails, for an e-mail step whose customer has an address)."""

    intervention_id: int
    version: int
    dossier: str
    customer: str  # its code
    customer_name: str
    step_no: int
    step: str
    type: str
    planned: dt.date
    agent: str | None
    template: str
    recipient: str  # the e-mail address (main contact's, else the customer's), or ""

    @property
    def channel(self) -> str:
        """E-mail steps go by e-mail when there is an address; every other is printed."""
        return "email" if self.type == "email" and self.recipient else "print"


def letters_due(session: Session, until: dt.date, agent: str | None = None) -> list[DueLetter]:
    """Every intervention to do, planned on or before ``until``, on an open dossier, whose
    step has a template; by planned day, dossier and id. ``agent``: that agent's only."""
    if agent is not None:
        find_agent(session, agent)
    query = (
        select_columns(
            col(Intervention.id),
            col(Intervention.version),
            col(Dossier.number),
            col(Customer.code),
            col(Customer.name),
            col(Intervention.step_no),
            col(Intervention.step),
            col(Intervention.type),
            col(Intervention.planned),
            col(Dossier.agent),
            col(ScenarioStep.template),
            col(Contact.email),
            col(Customer.email),
        )
        .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
        .join(Customer, col(Customer.id) == col(Dossier.customer_id))
        .join(
            ScenarioStep,
            and_(
                col(ScenarioStep.scenario_id) == col(Intervention.scenario_id),
                col(ScenarioStep.position) == col(Intervention.step_no),
            ),
        )
        .outerjoin(Contact, col(Contact.id) == col(Dossier.main_contact_id))
        .where(
            col(Intervention.status) == "todo",
            col(Intervention.step_no).is_not(None),
            col(Intervention.planned) <= until,
            col(Dossier.status) == "open",
            col(ScenarioStep.template).is_not(None),
            col(ScenarioStep.template) != "",
        )
        .order_by(col(Intervention.planned), col(Dossier.number), col(Intervention.id))
    )
    if agent is not None:
        query = query.where(col(Dossier.agent) == agent)
    letters = []
    for row in session.execute(query).all():
        (ident, version, number, code, name, step_no, step, type_, planned) = row[:9]
        agent_login, template, contact_email, customer_email = row[9:]
        assert ident is not None and step_no is not None and template is not None
        recipient = (contact_email or "").strip() or (customer_email or "").strip()
        letters.append(
            DueLetter(
                ident,
                version,
                number,
                code,
                name,
                step_no,
                step,
                type_,
                planned,
                agent_login,
                template,
                recipient,
            )
        )
    return letters


def dossier_documents(session: Session, number: str) -> dict[int, DocumentMark]:
    """:func:`intervention_documents` of the dossier numbered ``number``."""
    dossier_id = session.exec(select(Dossier.id).where(Dossier.number == number)).first()
    return intervention_documents(session, dossier_id) if dossier_id is not None else {}


@dataclass(frozen=True)
class WaitingEmail:
    """An e-mail not sent yet: written to the outbox, or refused by the server."""

    id: int  # the document's
    day: dt.date
    customer: str  # its code
    dossier: str | None  # its number
    kind: str  # letter | reminder | statement
    recipient: str
    subject: str
    status: str  # outbox | failed
    error: str


def waiting_emails(session: Session) -> list[WaitingEmail]:
    """Every document whose e-mail has not gone, oldest first (``outbox``)."""
    rows = session.execute(
        select_columns(
            col(Document.id),
            col(Document.day),
            col(Customer.code),
            col(Dossier.number),
            col(Document.kind),
            col(Document.recipient),
            col(Document.subject),
            col(Document.email_status),
            col(Document.email_error),
        )
        .join(Customer, col(Customer.id) == Document.customer_id)
        .outerjoin(Dossier, col(Dossier.id) == Document.dossier_id)
        .where(col(Document.email_status).in_(("outbox", "failed")))
        .order_by(col(Document.id))
    ).all()
    return [WaitingEmail(*row) for row in rows]
