"""The SQLModel tables. Plain storage: every rule about them lives in ``engine/``.

Amounts use :class:`models.types.Money` (exact cents). Records people edit carry a
``version`` column: the engine refuses a save made from a stale copy (optimistic locking).
``open_amount`` on entries and ``principal``/``charges`` on dossiers are kept up to date by
``engine.balances`` so that lists of 100,000 dossiers can sort and filter in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex
from sqlmodel import Field, SQLModel

from models.states import DossierStatus, InterventionStatus
from models.types import DecimalText, Money

ZERO = Decimal("0.00")


def search_text() -> Any:
    """A normalised search key (``engine.search_keys``): TEXT, as folding can lengthen.
    Derived from other columns, so history leaves it out (``info["derived"]``)."""
    column = Column(Text, nullable=False, server_default="", info={"derived": True})
    return Field(default="", sa_column=column)


class Setting(SQLModel, table=True):
    """One company setting; ``engine.settings`` knows the keys, types and defaults."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=400)


class RiskCode(SQLModel, table=True):
    __tablename__ = "risk_code"
    code: str = Field(primary_key=True, max_length=40)
    label: str = Field(default="", max_length=120)
    position: int = 0


class PenaltyRate(SQLModel, table=True):
    """Annual late-payment rate (percent) in force from ``start`` until the next row."""

    __tablename__ = "penalty_rate"
    id: int | None = Field(default=None, primary_key=True)
    start: dt.date = Field(unique=True)
    rate: Decimal = Field(sa_type=DecimalText)
    note: str = Field(default="", max_length=200)


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    login: str = Field(primary_key=True, max_length=80)
    name: str = Field(default="", max_length=120)
    role: str = Field(max_length=20)  # engine.access.Role
    active: bool = True
    version: int = 1


class Sequence(SQLModel, table=True):
    """Named counters (dossier numbers): portable where SQL sequences are not."""

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=400)
    siren: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    payment_terms_days: int = 30
    risk_code: str | None = Field(default=None, foreign_key="risk_code.code", max_length=40)
    consumer: bool = False
    excluded_from_reminders: bool = False
    # TEXT, but people write it: engine.text_limits holds it to ``info["max_length"]``.
    note: str = Field(
        default="",
        sa_column=Column(Text, nullable=False, server_default="", info={"max_length": 2000}),
    )
    version: int = 1
    # Code and name folded (engine.search_keys): what the list filter and palette match.
    search_key: str = search_text()


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    # Postal address, lines separated by newlines: a letter to this contact goes there.
    address: str = Field(default="", max_length=400)
    version: int = 1


class Entry(SQLModel, table=True):
    """One accounting line on a customer account, imported or created by the collection."""

    __table_args__ = (
        Index("ix_entry_letter_group", "customer_id", "account", "lettering"),
        Index("ix_entry_customer_due", "customer_id", "due_date"),
        # The preventive reminder proposal: invoices due in a window, every customer.
        Index("ix_entry_due", "due_date"),
        # The aged balance on a past day: the lettering groups with an entry dated after it.
        Index("ix_entry_date", "date"),
        Index("uq_entry_charge_ref", "charge_ref", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    journal: str = Field(default="", max_length=20)
    date: dt.date
    piece: str = Field(default="", max_length=60)
    invoice: str = Field(default="", max_length=60)
    reference: str = Field(default="", max_length=120)
    account: str = Field(default="", max_length=40)
    label: str = Field(default="", max_length=200)
    due_date: dt.date | None = None
    debit: Decimal = Field(default=ZERO, sa_type=Money)
    credit: Decimal = Field(default=ZERO, sa_type=Money)
    lettering: str | None = Field(default=None, max_length=20)
    # invoice | credit_note | deposit | payment | fee | penalty | indemnity
    kind: str = Field(max_length=20)
    source: str = Field(default="manual", max_length=20)  # csv | fec | collection | manual
    # Identity of the line in its source: a re-import finds it again instead of adding it.
    source_key: str = Field(unique=True, max_length=200)
    reminder_count: int = 0
    excluded: bool = False
    # Derived from debit, credit and the lettering group; see engine.balances.
    open_amount: Decimal = Field(default=ZERO, sa_type=Money)
    # Charges: the invoice a penalty or indemnity is about, the period a penalty covers,
    # the unrounded cumulative interest (so increments add up to a one-shot computation),
    # and the intervention whose step created it.
    invoice_id: int | None = Field(default=None, foreign_key="entry.id", index=True)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    interest_exact: Decimal | None = Field(default=None, sa_type=DecimalText)
    intervention_id: int | None = Field(default=None, foreign_key="intervention.id")
    version: int = 1
    # A charge exported for the accounting (engine.charges_export): its stable piece
    # reference there (dossier number + charge number, D000012-P03), given at its first
    # export, and when it was last exported. A re-import finds the charge by that reference.
    # Unique (uq_entry_charge_ref, an index: SQLite adds one without rebuilding the table).
    charge_ref: str | None = Field(default=None, max_length=60)
    exported_at: dt.datetime | None = None


class Scenario(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    description: str = Field(default="", max_length=400)
    builtin: bool = False
    version: int = 1


class ScenarioStep(SQLModel, table=True):
    __tablename__ = "scenario_step"
    __table_args__ = (UniqueConstraint("scenario_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id")
    position: int  # 1-based step number
    name: str = Field(max_length=120)
    delay: int = 0
    type: str = Field(default="other", max_length=30)
    risk: str | None = Field(default=None, foreign_key="risk_code.code", max_length=40)
    loss_percent: Decimal | None = Field(default=None, sa_type=DecimalText)
    penalties: bool = False
    fees: Decimal | None = Field(default=None, sa_type=Money)
    template: str | None = Field(default=None, max_length=80)


class Dossier(SQLModel, table=True):
    __table_args__ = (Index("ix_dossier_status_agent", "status", "agent"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=20)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    created: dt.date
    reason: str = Field(default="", max_length=200)
    scenario_id: int | None = Field(default=None, foreign_key="scenario.id")
    agent: str | None = Field(default=None, foreign_key="app_user.login", max_length=80)
    main_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    status: str = Field(default=DossierStatus.OPEN.value, max_length=10)  # DossierStatus
    pause_until: dt.date | None = None
    pause_reason: str = Field(default="", max_length=200)
    promise_amount: Decimal | None = Field(default=None, sa_type=Money)
    provision: Decimal = Field(default=ZERO, sa_type=Money)
    principal: Decimal = Field(default=ZERO, sa_type=Money)
    charges: Decimal = Field(default=ZERO, sa_type=Money)
    # Kept by engine.summary for lists that sort 100,000 dossiers in SQL: the oldest due
    # date still owed (days late), the next to-do's date and the current scenario step.
    oldest_due: dt.date | None = None
    next_action: dt.date | None = Field(default=None, index=True)
    current_step: str = Field(default="", max_length=120)
    closed_on: dt.date | None = None
    close_reason: str = Field(default="", max_length=200)
    version: int = 1
    # Number, customer code and name folded (engine.search_keys): the dossier filters match
    # it without joining the customer.
    search_key: str = search_text()


class DossierEntry(SQLModel, table=True):
    __tablename__ = "dossier_entry"
    dossier_id: int = Field(foreign_key="dossier.id", primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", primary_key=True, index=True)


class DossierContact(SQLModel, table=True):
    __tablename__ = "dossier_contact"
    dossier_id: int = Field(foreign_key="dossier.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)


# A partial index, written alike by SQLite and PostgreSQL. Its condition goes through
# ``info`` and _partial_index rather than ``sqlite_where=``/``postgresql_where=``: naming a
# dialect's options loads that dialect, and loading PostgreSQL's cost every start on
# SQLite ~40 ms (docs/ARCHITECTURE.md, "Starting fast"). Migration 0001 creates it.
CURRENT_STEP = {"where": "status = 'todo' AND step_no IS NOT NULL"}


@compiles(CreateIndex)
def _partial_index(create: CreateIndex, compiler: Any, **kw: Any) -> str:
    sql: str = compiler.visit_create_index(create, **kw)
    where = create.element.info.get("where")
    if where and not create.element.dialect_kwargs:
        return f"{sql} WHERE {where}"
    return sql  # a dialect's own condition (an index reflected or from a migration)


def partial_index_directives(_context: Any, _revision: Any, directives: list[Any]) -> None:
    """Alembic's ``process_revision_directives``: autogenerate writes an index's dialect
    options but not its ``info``, so a generated migration would make a partial index
    whole; give it its condition for both backends, as migration 0001 has it."""
    from alembic.operations import ops
    from sqlalchemy import text

    wheres: dict[str | None, str] = {
        index.name: index.info["where"]
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
        if "where" in index.info
    }

    def visit(op: Any) -> None:
        if isinstance(op, ops.CreateIndexOp) and op.index_name in wheres:
            where = wheres[op.index_name]
            op.kw.update(sqlite_where=text(where), postgresql_where=text(where))
        for child in getattr(op, "ops", []):
            visit(child)

    for script in directives:
        for upgrade in script.upgrade_ops_list:
            visit(upgrade)


class Intervention(SQLModel, table=True):
    __table_args__ = (
        Index("ix_intervention_due", "status", "planned"),
        Index("ix_intervention_dossier", "dossier_id", "status"),
        # Rule: one current scenario intervention per dossier, enforced by the database too.
        Index("uq_intervention_current_step", "dossier_id", unique=True, info=CURRENT_STEP),
    )
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id")
    scenario_id: int | None = Field(default=None, foreign_key="scenario.id")
    # Snapshot of the step: editing a scenario never rewrites interventions already made.
    step_no: int | None = None
    step: str = Field(default="", max_length=120)
    status: str = Field(default=InterventionStatus.TODO.value, max_length=10)
    planned: dt.date
    # The scenario's own date when a pause pushed ``planned`` past its end; restored (or
    # brought to the day the pause ends) when it does.
    held_from: dt.date | None = None
    done: dt.date | None = None
    type: str = Field(default="other", max_length=30)
    contact: str = Field(default="", max_length=200)
    # TEXT, but people write it: engine.text_limits holds it to ``info["max_length"]``.
    note: str = Field(
        default="",
        sa_column=Column(Text, nullable=False, server_default="", info={"max_length": 10_000}),
    )
    outcome: str = Field(default="", max_length=200)
    promise_date: dt.date | None = None
    promise_amount: Decimal | None = Field(default=None, sa_type=Money)
    done_by: str | None = Field(default=None, max_length=80)
    version: int = 1


class History(SQLModel, table=True):
    """Who changed what, when, with the values before and after (JSON text)."""

    __table_args__ = (Index("ix_history_record", "table_name", "record_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    login: str = Field(max_length=80)
    table_name: str = Field(max_length=40)
    record_id: str = Field(max_length=40)
    action: str = Field(max_length=20)  # insert | update | delete | import | ...
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))


class DocumentTemplate(SQLModel, table=True):
    """One version of a letter template (Jinja text rendered in a sandbox, see
    ``engine.documents``). Every save adds a version; the highest one is in force. The
    built-in text is not stored: "reset to built-in" saves it as a new version."""

    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("name", "language", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    language: str = Field(max_length=5)
    version: int = 1
    body: str = Field(sa_column=Column(Text, nullable=False))
    saved_at: dt.datetime
    saved_by: str = Field(max_length=80)


class Document(SQLModel, table=True):
    """A document produced for a customer (a dossier's letter, a preventive reminder, a
    statement): kept in the database so that every user of a shared database sees it."""

    __table_args__ = (
        Index("ix_document_dossier", "dossier_id"),
        Index("ix_document_customer", "customer_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id")
    intervention_id: int | None = Field(default=None, foreign_key="intervention.id", index=True)
    kind: str = Field(max_length=20)  # letter | reminder | statement
    template: str = Field(max_length=80)
    template_version: int = 0  # 0: the built-in text
    language: str = Field(max_length=5)
    day: dt.date  # the business day the document is dated
    # print | email | both | mark (marked sent without producing anything)
    channel: str = Field(max_length=10)
    created_at: dt.datetime
    created_by: str = Field(max_length=80)
    subject: str = Field(default="", max_length=400)
    text: str = Field(sa_column=Column(Text, nullable=False))
    pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # The e-mail as sent (RFC 5322 text), its recipient and what became of it:
    # "" (none) | outbox (written, not sent) | sent | failed (kept in the outbox, see error)
    recipient: str = Field(default="", max_length=200)
    email_status: str = Field(default="", max_length=10)
    email_error: str = Field(default="", max_length=400)
    version: int = 1


class EntryReminder(SQLModel, table=True):
    """A preventive reminder sent for an entry: never twice for the same entry."""

    __tablename__ = "entry_reminder"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", unique=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    day: dt.date
    channel: str = Field(max_length=10)


class AgingSnapshot(SQLModel, table=True):
    """The aged balance's totals on one day, written by the daily pass (one row a day, the
    last pass of the day wins): the "total overdue over time" curve reads them."""

    __tablename__ = "aging_snapshot"
    day: dt.date = Field(primary_key=True)
    total: Decimal = Field(default=ZERO, sa_type=Money)  # every open amount
    not_due: Decimal = Field(default=ZERO, sa_type=Money)
    overdue: Decimal = Field(default=ZERO, sa_type=Money)  # total less not due
    edges: str = Field(default="", max_length=80)  # the bucket edges in force, "30,60,90"
    # Each bucket's amount, not due first, as "0.00;12.50;…" (as many as the edges make).
    amounts: str = Field(default="", sa_column=Column(Text, nullable=False))
