"""The placeholders of one letter, read on the letter's day D (docs/LETTERS.md).

Everything a template sees is plain data: frozen dataclasses of strings, Decimals, dates,
whole numbers and tuples of them. No ORM object, nothing with a method a template could
call (the sandbox of ``engine.documents.templates`` lets a template read only the fields
of these classes). Amounts are those of day D (``engine.balances``: the entries dated on or
before D); every amount and date also comes already formatted in the letter's language
(``*_text``), so a template may print ``{{ totals.due_text }}`` or ``{{ totals.due|money }}``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from babel.dates import format_date as babel_date
from babel.numbers import format_currency, format_decimal
from sqlalchemy import or_
from sqlmodel import col, select

from engine.balances import CHARGE_KINDS, PRINCIPAL_KINDS, ZERO, open_amounts_on
from engine.context import Ctx
from engine.documents.plain import grouped_iban
from engine.errors import NotFound, UserError
from engine.i18n import LANGUAGES, _, translations
from engine.penalties import RateTable, penalty_increment
from models.tables import Contact, Customer, Dossier, DossierEntry, Entry, Scenario, User
from models.types import to_money

FORMAL_NOTICE_DAYS = 8  # the deadline a formal notice gives: D + 8 days
NBSP = "\u00a0"  # Babel's narrow no-break space (U+202F) is not in every font: a plain one


def kind_text(language: str, kind: str) -> str:
    """What an entry is, in the letter's language ("Facture" / "Invoice")."""
    t = translations(language)
    texts = {
        "invoice": t.pgettext("entry kind", "Invoice"),
        "credit_note": t.pgettext("entry kind", "Credit note"),
        "deposit": t.pgettext("entry kind", "Deposit"),
        "payment": t.pgettext("entry kind", "Payment"),
        "fee": t.pgettext("entry kind", "Collection fees"),
        "penalty": t.pgettext("entry kind", "Late-payment interest"),
        "indemnity": t.pgettext("entry kind", "Fixed recovery indemnity"),
    }
    return texts.get(kind, kind)


# --- formatting in the letter's language ----------------------------------------------------


def check_language(language: str) -> str:
    code = (language or "").strip().lower()
    if code not in LANGUAGES:
        raise UserError(
            _("Unknown document language {language!r}: expected one of {languages}.").format(
                language=language, languages=", ".join(LANGUAGES)
            )
        )
    return code


def format_money(amount: Decimal, language: str, currency: str) -> str:
    """``1 234,56 €`` (fr) / ``€1,234.56`` (en), in ``currency`` (the company setting)."""
    text = format_currency(to_money(amount), currency or "EUR", locale=language)
    return text.replace("\u202f", NBSP)


def format_number(value: Decimal, language: str) -> str:
    """``1 234,56`` / ``1,234.56``: two decimals, the language's separators."""
    return format_decimal(value, format="#,##0.00", locale=language).replace("\u202f", NBSP)


def format_percent(rate: Decimal, language: str) -> str:
    """An annual rate in percent: ``12,15 %`` / ``12.15%``."""
    number = format_number(rate, language)
    return f"{number}{NBSP}%" if language == "fr" else f"{number}%"


def format_day(day: dt.date, language: str) -> str:
    """``30 novembre 2026`` (``1er décembre 2026``) / ``30 November 2026``."""
    text = babel_date(day, format="d MMMM y", locale=language)
    if language == "fr" and day.day == 1:
        text = "1er" + text[1:]
    return text


def place_and_date(place: str, day: dt.date, language: str) -> str:
    """``Paris, le 30 novembre 2026`` / ``Paris, 30 November 2026``."""
    when = format_day(day, language)
    if language == "fr":
        return f"{place}, le {when}" if place else f"Le {when}"
    return f"{place}, {when}" if place else when


def address_lines(text: str) -> tuple[str, ...]:
    """The lines of a stored address (one line per line), without the blank ones."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


# --- the placeholders -------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyInfo:
    placeholder: ClassVar[str] = "company"
    name: str
    address: str  # the lines joined by ", "
    address_lines: tuple[str, ...]
    siren: str
    vat: str
    iban: str
    iban_text: str  # as printed: groups of four (FR76 3000 6000 …)
    bic: str
    phone: str
    email: str
    signatory: str
    place: str


@dataclass(frozen=True)
class CustomerInfo:
    placeholder: ClassVar[str] = "customer"
    code: str
    name: str
    address: str
    address_lines: tuple[str, ...]
    email: str
    phone: str
    siren: str
    consumer: bool


@dataclass(frozen=True)
class ContactInfo:
    placeholder: ClassVar[str] = "contact"
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class DossierInfo:
    """The dossier of a dossier's letter. On a reminder or a statement (no dossier) the
    texts are empty, the amounts 0 and ``created`` the letter's day."""

    placeholder: ClassVar[str] = "dossier"
    number: str
    created: dt.date
    created_text: str
    reason: str
    scenario: str
    step: str
    principal: Decimal
    principal_text: str
    charges: Decimal
    charges_text: str
    balance: Decimal
    balance_text: str


def no_dossier(day: dt.date, zero: str) -> DossierInfo:
    """The ``dossier`` of a letter outside any dossier: empty, its day the letter's."""
    return DossierInfo("", day, "", "", "", "", ZERO, zero, ZERO, zero, ZERO, zero)


@dataclass(frozen=True)
class AgentInfo:
    placeholder: ClassVar[str] = "agent"
    login: str
    name: str


@dataclass(frozen=True)
class Item:
    """One open entry listed on the letter."""

    placeholder: ClassVar[str] = "item"
    kind: str  # invoice, credit_note, deposit, payment, fee, penalty, indemnity
    kind_text: str  # "Facture" / "Invoice"
    piece: str
    invoice: str  # the invoice number, else the piece
    label: str
    date: dt.date
    date_text: str
    due_date: dt.date  # the entry's date when it has no due date
    due_date_text: str
    days_late: int  # 0 when not due yet
    amount: Decimal  # debit − credit
    amount_text: str
    open_amount: Decimal  # on day D
    open_amount_text: str


@dataclass(frozen=True)
class Totals:
    placeholder: ClassVar[str] = "totals"
    principal: Decimal
    principal_text: str
    charges: Decimal
    charges_text: str
    due: Decimal  # principal + charges
    due_text: str
    overdue: Decimal  # what the invoices past their due date leave open
    overdue_text: str


@dataclass(frozen=True)
class LetterContext:
    """Every placeholder of one letter; each field is a name a template can use."""

    placeholder: ClassVar[str] = "letter"
    kind: str  # "dossier" (a dossier's letter) or "customer" (a reminder, a statement)
    language: str
    currency: str
    today: dt.date
    today_text: str
    deadline: dt.date  # D + 8 days (a formal notice's deadline)
    deadline_text: str
    company: CompanyInfo
    customer: CustomerInfo
    contact: ContactInfo
    dossier: DossierInfo
    agent: AgentInfo
    items: tuple[Item, ...]
    totals: Totals
    penalties_charged: Decimal
    penalties_charged_text: str
    fees_charged: Decimal
    fees_charged_text: str
    indemnities_charged: Decimal
    indemnities_charged_text: str
    interest_accrued: Decimal  # accrued on D on the overdue invoices, not charged yet
    interest_accrued_text: str
    penalty_rate: Decimal  # the annual rate in force on D, in percent
    penalty_rate_text: str
    indemnity: Decimal  # the D441-5 amount per invoice; 0 for a consumer
    indemnity_text: str
    # Not a placeholder: what the letter's payment QR code and reference are built from.
    reference: str = field(default="", repr=False)

    def variables(self) -> dict[str, object]:
        """The names a template sees, each to its value (the dataclass's fields)."""
        return {name: getattr(self, name) for name in PLACEHOLDERS}


PLACEHOLDERS = tuple(name for name in LetterContext.__dataclass_fields__ if name != "reference")
CONTEXT_CLASSES = (
    LetterContext,
    CompanyInfo,
    CustomerInfo,
    ContactInfo,
    DossierInfo,
    AgentInfo,
    Item,
    Totals,
)


# --- building one ------------------------------------------------------------------------


class _Formats:
    def __init__(self, language: str, currency: str) -> None:
        self.language, self.currency = language, currency

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.language, self.currency)

    def day(self, day: dt.date) -> str:
        return format_day(day, self.language)


def company_info(settings: object) -> CompanyInfo:
    def get(key: str) -> str:
        return str(getattr(settings, key) or "").strip()

    lines = address_lines(get("company_address"))
    return CompanyInfo(
        name=get("company_name"),
        address=", ".join(lines),
        address_lines=lines,
        siren=get("company_siren"),
        vat=get("company_vat"),
        iban=get("company_iban"),
        iban_text=grouped_iban(get("company_iban")),
        bic=get("company_bic"),
        phone=get("company_phone"),
        email=get("company_email"),
        signatory=get("company_signatory"),
        place=get("company_place"),
    )


def _customer_info(customer: Customer) -> CustomerInfo:
    lines = address_lines(customer.address)
    return CustomerInfo(
        code=customer.code,
        name=customer.name,
        address=", ".join(lines),
        address_lines=lines,
        email=customer.email,
        phone=customer.phone,
        siren=customer.siren,
        consumer=customer.consumer,
    )


def _contact_info(contact: Contact | None) -> ContactInfo:
    if contact is None:
        return ContactInfo()
    lines = address_lines(contact.address)
    return ContactInfo(
        name=contact.name,
        role=contact.role,
        email=contact.email,
        phone=contact.phone,
        address=", ".join(lines),
        address_lines=lines,
    )


def rate_on(rates: RateTable, day: dt.date) -> Decimal:
    """The annual rate in force on ``day`` (refused, naming the half-year, when the dated
    table has no row for it: a rate is never reused silently)."""
    segments = rates.segments(day - dt.timedelta(days=1), day)
    return segments[-1][1]


@dataclass
class _Read:
    items: list[Item]
    charges: dict[str, Decimal]  # open charges on D by kind
    principal: Decimal
    overdue: Decimal
    overdue_invoices: list[tuple[int, Decimal, dt.date]]  # (id, open on D, due date)


def _read_entries(ctx: Ctx, entries: list[Entry], day: dt.date, fmt: _Formats) -> _Read:
    """The entries open on ``day`` as items, in due-date order, and what they add up to."""
    opened = open_amounts_on(ctx.session, [e.id for e in entries if e.id is not None], day)
    language = fmt.language
    read = _Read([], dict.fromkeys(CHARGE_KINDS, ZERO), ZERO, ZERO, [])
    ordered = sorted(entries, key=lambda e: (e.due_date or e.date, e.date, e.id or 0))
    for entry in ordered:
        assert entry.id is not None
        amount = opened.get(entry.id, ZERO)
        if amount == 0:
            continue
        due = entry.due_date or entry.date
        # Only what the customer owes is late: a credit note or a payment never is.
        late = (day - due).days if entry.due_date is not None and due < day and amount > 0 else 0
        signed = entry.debit - entry.credit
        read.items.append(
            Item(
                kind=entry.kind,
                kind_text=kind_text(language, entry.kind),
                piece=entry.piece,
                invoice=entry.invoice or entry.piece,
                label=entry.label,
                date=entry.date,
                date_text=fmt.day(entry.date),
                due_date=due,
                due_date_text=fmt.day(due),
                days_late=late,
                amount=signed,
                amount_text=fmt.money(signed),
                open_amount=amount,
                open_amount_text=fmt.money(amount),
            )
        )
        if entry.kind in CHARGE_KINDS:
            read.charges[entry.kind] += amount
        else:
            read.principal += amount
            if entry.kind == "invoice" and late > 0 and amount > 0:
                read.overdue += amount
                read.overdue_invoices.append((entry.id, amount, due))
    return read


def _interest_accrued(
    ctx: Ctx, overdue: list[tuple[int, Decimal, dt.date]], day: dt.date, rates: RateTable
) -> Decimal:
    """Interest accrued on ``day`` and not charged yet (docs/RULES.md, late-payment interest):
    what marking a step with penalties done on ``day`` would charge. Nothing is written."""
    if not overdue:
        return ZERO
    ids = [invoice_id for invoice_id, _amount, _due in overdue]
    previous: dict[int, list[Entry]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for penalty in ctx.session.exec(
            select(Entry)
            .where(
                col(Entry.invoice_id).in_(ids[start : start + 500]),
                col(Entry.kind) == "penalty",
                col(Entry.date) <= day,
            )
            .order_by(col(Entry.period_end), col(Entry.id))
        ):
            assert penalty.invoice_id is not None
            previous[penalty.invoice_id].append(penalty)
    total = ZERO
    for invoice_id, amount, due in overdue:
        charged = previous.get(invoice_id, [])
        last = charged[-1] if charged else None
        increment = penalty_increment(
            amount,
            due,
            day,
            rates,
            last.period_end if last else None,
            (last.interest_exact or Decimal(0)) if last else Decimal(0),
            [p.debit for p in charged],
        )
        if increment is not None:
            total += increment.amount
    return to_money(total)


def _assemble(
    ctx: Ctx,
    *,
    kind: str,
    language: str,
    day: dt.date,
    customer: Customer,
    contact: Contact | None,
    dossier: DossierInfo | None,
    agent: AgentInfo,
    read: _Read,
    reference: str,
) -> LetterContext:
    settings = ctx.settings
    currency = str(settings.currency or "EUR")
    fmt = _Formats(language, currency)
    rates = ctx.rates()
    rate = rate_on(rates, day)
    accrued = _interest_accrued(ctx, read.overdue_invoices, day, rates)
    charges = sum(read.charges.values(), ZERO)
    due = read.principal + charges
    indemnity = ZERO if customer.consumer else to_money(settings.indemnity_amount)
    deadline = day + dt.timedelta(days=FORMAL_NOTICE_DAYS)
    if dossier is None:
        dossier = no_dossier(day, fmt.money(ZERO))
    return LetterContext(
        kind=kind,
        language=language,
        currency=currency,
        today=day,
        today_text=fmt.day(day),
        deadline=deadline,
        deadline_text=fmt.day(deadline),
        company=company_info(settings),
        customer=_customer_info(customer),
        contact=_contact_info(contact),
        dossier=dossier,
        agent=agent,
        items=tuple(read.items),
        totals=Totals(
            principal=read.principal,
            principal_text=fmt.money(read.principal),
            charges=charges,
            charges_text=fmt.money(charges),
            due=due,
            due_text=fmt.money(due),
            overdue=read.overdue,
            overdue_text=fmt.money(read.overdue),
        ),
        penalties_charged=read.charges["penalty"],
        penalties_charged_text=fmt.money(read.charges["penalty"]),
        fees_charged=read.charges["fee"],
        fees_charged_text=fmt.money(read.charges["fee"]),
        indemnities_charged=read.charges["indemnity"],
        indemnities_charged_text=fmt.money(read.charges["indemnity"]),
        interest_accrued=accrued,
        interest_accrued_text=fmt.money(accrued),
        penalty_rate=rate,
        penalty_rate_text=format_percent(rate, language),
        indemnity=indemnity,
        indemnity_text=fmt.money(indemnity),
        reference=reference,
    )


def _user_name(ctx: Ctx, login: str | None) -> AgentInfo:
    if not login:
        return AgentInfo(ctx.actor.login, ctx.actor.name or ctx.actor.login)
    user = ctx.session.get(User, login)
    return AgentInfo(login, (user.name if user is not None else "") or login)


def dossier_context(ctx: Ctx, dossier_id: int, day: dt.date, language: str) -> LetterContext:
    """The placeholders of a dossier's letter on ``day``: its open entries on that day, its
    main contact, its agent (else whoever acts), interest accrued and not charged yet."""
    language = check_language(language)
    dossier = ctx.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound(_("No dossier with id {id}.").format(id=dossier_id))
    customer = ctx.session.get(Customer, dossier.customer_id)
    assert customer is not None
    contact = ctx.session.get(Contact, dossier.main_contact_id) if dossier.main_contact_id else None
    scenario = ctx.session.get(Scenario, dossier.scenario_id) if dossier.scenario_id else None
    entries = list(
        ctx.session.exec(
            select(Entry)
            .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
            .where(col(DossierEntry.dossier_id) == dossier_id, col(Entry.date) <= day)
        )
    )
    fmt = _Formats(language, str(ctx.settings.currency or "EUR"))
    read = _read_entries(ctx, entries, day, fmt)
    # The dossier's letters list the debts (invoices, credits); its charges are the totals'.
    read.items = [item for item in read.items if item.kind in PRINCIPAL_KINDS]
    charges = sum(read.charges.values(), ZERO)
    info = DossierInfo(
        number=dossier.number,
        created=dossier.created,
        created_text=fmt.day(dossier.created),
        reason=dossier.reason,
        scenario=scenario.name if scenario is not None else "",
        step=dossier.current_step,
        principal=read.principal,
        principal_text=fmt.money(read.principal),
        charges=charges,
        charges_text=fmt.money(charges),
        balance=read.principal + charges,
        balance_text=fmt.money(read.principal + charges),
    )
    return _assemble(
        ctx,
        kind="dossier",
        language=language,
        day=day,
        customer=customer,
        contact=contact,
        dossier=info,
        agent=_user_name(ctx, dossier.agent),
        read=read,
        reference=dossier.number,
    )


def customer_context(
    ctx: Ctx,
    customer_id: int,
    day: dt.date,
    language: str,
    entry_ids: list[int] | None = None,
    due_until: dt.date | None = None,
) -> LetterContext:
    """The placeholders of a letter to a customer outside any dossier on ``day``.

    A statement (``entry_ids`` None) lists every entry open on that day, due or not,
    charges included; a preventive reminder lists only ``entry_ids`` (the proposed
    entries). ``due_until``: only the entries due on or before that day. The contact is the
    customer's first contact; the agent whoever acts."""
    language = check_language(language)
    customer = ctx.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("No customer with id {id}.").format(id=customer_id))
    contact = ctx.session.exec(
        select(Contact).where(col(Contact.customer_id) == customer_id).order_by(col(Contact.id))
    ).first()
    query = select(Entry).where(col(Entry.customer_id) == customer_id, col(Entry.date) <= day)
    if entry_ids is not None:
        query = query.where(col(Entry.id).in_(sorted(set(entry_ids)) or [-1]))
    else:
        # Open today, or lettered (a group settled by an entry dated after D was open on D).
        query = query.where(or_(col(Entry.open_amount) != 0, col(Entry.lettering).is_not(None)))
    if due_until is not None:
        query = query.where(col(Entry.due_date) <= due_until)
    entries = list(ctx.session.exec(query))
    fmt = _Formats(language, str(ctx.settings.currency or "EUR"))
    read = _read_entries(ctx, entries, day, fmt)
    return _assemble(
        ctx,
        kind="customer",
        language=language,
        day=day,
        customer=customer,
        contact=contact,
        dossier=None,
        agent=_user_name(ctx, None),
        read=read,
        reference=customer.code,
    )


# --- a sample, to check a template when it is saved -------------------------------------------


def sample_context(language: str, kind: str = "dossier") -> LetterContext:
    """A believable letter's placeholders, with no database: a template is checked against
    it (and its ``customer`` twin) before it is saved. ``kind``: "dossier" or "customer"."""
    language = check_language(language)
    if kind not in ("dossier", "customer"):
        raise UserError(
            _("Unknown letter kind {kind!r}: expected dossier or customer.").format(kind=kind)
        )
    currency = "EUR"
    fmt = _Formats(language, currency)
    day = dt.date(2026, 3, 27)
    rate = Decimal("12.15")

    def item(kind_: str, number: str, date: str, due: str, amount: str) -> Item:
        on, until = dt.date.fromisoformat(date), dt.date.fromisoformat(due)
        value = Decimal(amount)
        late = max((day - until).days, 0) if value > 0 else 0
        return Item(
            kind=kind_,
            kind_text=kind_text(language, kind_),
            piece=number,
            invoice=number,
            label=f"{kind_text(language, kind_)} {number}",
            date=on,
            date_text=fmt.day(on),
            due_date=until,
            due_date_text=fmt.day(until),
            days_late=late,
            amount=value,
            amount_text=fmt.money(value),
            open_amount=value,
            open_amount_text=fmt.money(value),
        )

    items: tuple[Item, ...]
    if kind == "dossier":
        items = (
            item("invoice", "FA-2026-0102", "2026-01-02", "2026-02-01", "1200.00"),
            item("invoice", "FA-2026-0131", "2026-01-31", "2026-03-02", "834.50"),
            item("credit_note", "AV-2026-0007", "2026-02-10", "2026-02-10", "-120.00"),
        )
    else:
        items = (
            item("invoice", "FA-2026-0301", "2026-03-01", "2026-03-31", "2400.00"),
            item("invoice", "FA-2026-0305", "2026-03-05", "2026-04-04", "615.30"),
        )
    principal = sum((i.open_amount for i in items), ZERO)
    overdue = sum((i.open_amount for i in items if i.kind == "invoice" and i.days_late), ZERO)
    penalties, fees, indemnities = (
        (Decimal("21.57"), Decimal("30.00"), Decimal("80.00"))
        if kind == "dossier"
        else (ZERO, ZERO, ZERO)
    )
    charges = penalties + fees + indemnities
    money = fmt.money
    address = ("12 rue des Lilas", "69003 Lyon")
    company = CompanyInfo(
        name="Ma Société SAS",
        address="8 avenue de l'Opéra, 75001 Paris",
        address_lines=("8 avenue de l'Opéra", "75001 Paris"),
        siren="732829320",
        vat="FR44732829320",
        iban="FR7630006000011234567890189",
        iban_text="FR76 3000 6000 0112 3456 7890 189",
        bic="AGRIFRPP",
        phone="01 23 45 67 89",
        email="recouvrement@masociete.fr",
        signatory="Claire Lefèvre, responsable du recouvrement",
        place="Paris",
    )
    dossier = (
        DossierInfo(
            number="D000042",
            created=dt.date(2026, 3, 2),
            created_text=fmt.day(dt.date(2026, 3, 2)),
            reason="Factures impayées",
            scenario="Absence paiement - Recouv. amiable",
            step="Courrier LRAR",
            principal=principal,
            principal_text=money(principal),
            charges=charges,
            charges_text=money(charges),
            balance=principal + charges,
            balance_text=money(principal + charges),
        )
        if kind == "dossier"
        else no_dossier(day, money(ZERO))
    )
    deadline = day + dt.timedelta(days=FORMAL_NOTICE_DAYS)
    accrued = Decimal("4.39") if kind == "dossier" else ZERO
    indemnity = Decimal("40.00")
    return LetterContext(
        kind=kind,
        language=language,
        currency=currency,
        today=day,
        today_text=fmt.day(day),
        deadline=deadline,
        deadline_text=fmt.day(deadline),
        company=company,
        customer=CustomerInfo(
            code="CMARTIN",
            name="Établissements Martin & Fils SARL",
            address=", ".join(address),
            address_lines=address,
            email="compta@martin-fils.fr",
            phone="04 72 00 00 00",
            siren="552100554",
            consumer=False,
        ),
        contact=ContactInfo(
            name="Sophie Martin",
            role="Comptable",
            email="s.martin@martin-fils.fr",
            phone="04 72 00 00 01",
            address=", ".join(address),
            address_lines=address,
        ),
        dossier=dossier,
        agent=AgentInfo("cdurand", "Camille Durand"),
        items=items,
        totals=Totals(
            principal=principal,
            principal_text=money(principal),
            charges=charges,
            charges_text=money(charges),
            due=principal + charges,
            due_text=money(principal + charges),
            overdue=overdue,
            overdue_text=money(overdue),
        ),
        penalties_charged=penalties,
        penalties_charged_text=money(penalties),
        fees_charged=fees,
        fees_charged_text=money(fees),
        indemnities_charged=indemnities,
        indemnities_charged_text=money(indemnities),
        interest_accrued=accrued,
        interest_accrued_text=money(accrued),
        penalty_rate=rate,
        penalty_rate_text=format_percent(rate, language),
        indemnity=indemnity,
        indemnity_text=money(indemnity),
        reference="D000042" if kind == "dossier" else "CMARTIN",
    )
