"""One letter from a template and its placeholders: the rendered body and everything the
template does not decide (docs/LETTERS.md): the sender and its identity lines, the
recipient, place and date, signatory, legal footer, the payment details of the QR code and
the registered-letter note. A user's template cannot move the address out of the envelope's
window, nor change the account customers pay to."""

from __future__ import annotations

from engine.context import Ctx
from engine.documents.context import LetterContext, place_and_date
from engine.documents.letter import Letter, Party, Payment, parse_body
from engine.documents.templates import REGISTERED, render, template_in_force
from engine.errors import UserError
from engine.i18n import N_, _, gettext_in

PHONE = N_("Tel. {phone}")
SIREN = N_("SIREN {siren}")
VAT = N_("VAT {vat}")
FOR_ATTENTION = N_("For the attention of {name}")
REGISTERED_NOTE = N_("Registered letter with acknowledgement of receipt")


def _in(language: str, text: str, **values: str) -> str:
    return gettext_in(language, text).format(**values)


def sender_lines(context: LetterContext) -> tuple[str, ...]:
    """The company's phone, e-mail, SIREN and VAT number, those it has."""
    company, language = context.company, context.language
    lines = []
    if company.phone:
        lines.append(_in(language, PHONE, phone=company.phone))
    if company.email:
        lines.append(company.email)
    if company.siren:
        lines.append(_in(language, SIREN, siren=company.siren))
    if company.vat:
        lines.append(_in(language, VAT, vat=company.vat))
    return tuple(lines)


def recipient(context: LetterContext) -> Party:
    """The customer, for the attention of the contact when there is one, at the contact's
    address when it has one, else the customer's."""
    customer, contact = context.customer, context.contact
    lines = contact.address_lines or customer.address_lines
    if contact.name:
        lines = (_in(context.language, FOR_ATTENTION, name=contact.name), *lines)
    return Party(customer.name, tuple(lines))


def footer(context: LetterContext) -> str:
    company, language = context.company, context.language
    parts = [company.name]
    if company.siren:
        parts.append(_in(language, SIREN, siren=company.siren))
    if company.vat:
        parts.append(_in(language, VAT, vat=company.vat))
    return " – ".join(part for part in parts if part)


def payment(context: LetterContext) -> Payment | None:
    """What the EPC QR code carries: only when the company has an IBAN and something is due."""
    company = context.company
    due = context.totals.due
    if not company.iban or due <= 0:
        return None
    reference = context.reference or context.dossier.number or context.customer.code
    return Payment(company.name, company.iban, company.bic, due, reference)


def compose_letter(
    ctx: Ctx, name: str, language: str, context: LetterContext
) -> tuple[Letter, int]:
    """The letter ``name`` in ``language`` for ``context``, and the template version used
    (0: the built-in text). A template that does not render is a RenderError (UserError)."""
    if language != context.language:
        raise UserError(
            _("The letter is in {language} but its placeholders were read in {other}.").format(
                language=language, other=context.language
            )
        )
    template = template_in_force(ctx.session, name, language)
    text = render(template.body, context)
    subject, blocks = parse_body(text)
    company = context.company
    letter = Letter(
        language=language,
        sender=Party(company.name, company.address_lines),
        sender_lines=sender_lines(context),
        recipient=recipient(context),
        place_date=place_and_date(company.place, context.today, language),
        subject=subject,
        blocks=blocks,
        signatory=company.signatory or context.agent.name,
        footer=footer(context),
        payment=payment(context),
        notes=(_in(language, REGISTERED_NOTE),) if name in REGISTERED else (),
    )
    return letter, template.version
