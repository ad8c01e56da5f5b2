"""A customer's contacts: add, change, remove (docs/RULES.md, "Contacts").

Rules:
- Agents and managers may change contacts; auditors read only.
- A contact has a name; its e-mail is one plain address (engine.identity.email_address:
  it goes into a message header), its phone digits, spaces and + . ( ) -, its postal address
  at most 6 lines (a line break or the two characters ``\\n`` separate them).
- Every value is checked before anything is written, naming the field (``labels``: the
  command line names its options, the TUI its fields) and what is expected.
- A save made from a stale copy is refused (optimistic locking through ``version``); the
  same values again write nothing. The history listener records every change.
- Removing a contact clears it as the main contact of the dossiers that had it (their
  version moves on, so a form opened before cannot put it back) and removes its links to
  dossiers; the result names those dossiers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypedDict

from sqlmodel import col, select

from engine import identity, parsing
from engine.access import require_write
from engine.context import Ctx, claim
from engine.dossiers import find_customer
from engine.errors import NotFound, UserError
from engine.i18n import N_, _
from engine.parsing import MAX_ID
from engine.reads.contacts import ContactRow, contact_row
from engine.text_limits import field_limit
from models.tables import Contact, Customer, Dossier, DossierContact

FIELDS = ("name", "role", "email", "phone", "address")

# What the TUI calls each field (translated when shown); the command line passes its options.
FIELD_LABELS = {
    "name": N_("name"),
    "role": N_("role"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "address": N_("address"),
}


class RemovedContact(TypedDict):
    id: int
    customer: str
    name: str
    main_of: list[str]  # dossiers that had it as main contact: now without one
    unlinked: list[str]  # dossiers it was an other contact of


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {k: (labels or {}).get(k) or _(v) for k, v in FIELD_LABELS.items()}


def _checked(field: str, value: str, label: str) -> str:
    """One field as stored, or a UserError naming ``label``, the value and what is expected."""
    multiline = field == "address"
    text = value.replace("\r\n", "\n").strip()
    if multiline:
        text = text.replace("\\n", "\n")
    parsing.check_text(text, label, field_limit(Contact, field), plain=True, multiline=multiline)
    checks: dict[str, Callable[[str], str]] = {
        "email": identity.email_address,
        "phone": identity.phone,
        "address": identity.postal_address,
    }
    check = checks.get(field)
    if check is None or not text:
        return text
    try:
        return check(text)
    except ValueError as exc:
        raise UserError(
            _("Invalid {field} {value!r}: {reason} (or nothing to clear it).").format(
                field=label, value=value, reason=str(exc)
            )
        ) from None


def _wanted(changes: Mapping[str, str | None], names: dict[str, str]) -> dict[str, str]:
    wanted = {}
    for field in FIELDS:
        value = changes.get(field)
        if value is not None:
            wanted[field] = _checked(field, value, names[field])
    if "name" in wanted and not wanted["name"]:
        raise UserError(
            _("{field} cannot be empty: expected the contact's name.").format(
                field=names["name"][:1].upper() + names["name"][1:]
            )
        )
    return wanted


def contact_label(contact: Contact) -> str:
    return _("Contact {id}").format(id=contact.id)


def find_contact(ctx: Ctx, contact_id: int, lock: bool = False) -> Contact:
    contact = None
    if 1 <= contact_id <= MAX_ID:
        query = select(Contact).where(Contact.id == contact_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        contact = ctx.session.exec(query).first()
    if contact is None:
        raise NotFound(
            _(
                "Unknown contact {id}: expected the id of a contact (see `recouvrement contacts "
                "list CODE`)."
            ).format(id=contact_id)
        )
    return contact


def _customer_code(ctx: Ctx, contact: Contact) -> str:
    customer = ctx.session.get(Customer, contact.customer_id)
    return customer.code if customer is not None else ""


def add_contact(
    ctx: Ctx,
    customer_code: str,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    labels: Mapping[str, str] | None = None,
) -> ContactRow:
    """A new contact of the customer; returns it (with its id)."""
    require_write(ctx.actor)
    wanted = _wanted(
        {"name": name, "role": role, "email": email, "phone": phone, "address": address},
        _labels(labels),
    )
    customer = find_customer(ctx.session, customer_code)
    assert customer.id is not None
    contact = Contact(customer_id=customer.id, name=wanted["name"])
    for key, value in wanted.items():
        setattr(contact, key, value)
    ctx.session.add(contact)
    ctx.session.flush()
    return contact_row(contact, customer.code)


def edit_contact(
    ctx: Ctx,
    contact_id: int,
    version: int | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    **changes: str | None,
) -> tuple[ContactRow, bool]:
    """Change the given fields (``name``, ``role``, ``email``, ``phone``, ``address``; None:
    keep); returns the contact and whether it changed. ``version``: the version the user saw
    (the TUI form); None takes the stored one."""
    require_write(ctx.actor)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise UserError(
            _("Unknown contact field {field!r}: expected one of {fields}.").format(
                field=unknown[0], fields=", ".join(FIELDS)
            )
        )
    wanted = _wanted(changes, _labels(labels))
    contact = find_contact(ctx, contact_id, lock=True)
    code = _customer_code(ctx, contact)
    different = {k: v for k, v in wanted.items() if getattr(contact, k) != v}
    if not different:
        return contact_row(contact, code), False  # the same values again: nothing is written
    claim(ctx.session, contact, version, contact_label(contact))
    for key, value in different.items():
        setattr(contact, key, value)
    ctx.session.flush()
    return contact_row(contact, code), True


def remove_contact(ctx: Ctx, contact_id: int, version: int | None = None) -> RemovedContact:
    """Remove a contact: the dossiers that had it as main contact are left without one, its
    links to dossiers go; the result names them."""
    require_write(ctx.actor)
    contact = find_contact(ctx, contact_id, lock=True)
    claim(ctx.session, contact, version, contact_label(contact))
    main_of = list(
        ctx.session.exec(
            select(Dossier)
            .where(Dossier.main_contact_id == contact.id)
            .order_by(col(Dossier.number))
            .with_for_update()
        )
    )
    for dossier in main_of:
        claim(ctx.session, dossier, None, _("Dossier {number}").format(number=dossier.number))
        dossier.main_contact_id = None
    links = list(
        ctx.session.exec(select(DossierContact).where(DossierContact.contact_id == contact.id))
    )
    unlinked: list[str] = []
    if links:
        ids = [link.dossier_id for link in links]
        unlinked = sorted(
            ctx.session.exec(select(Dossier.number).where(col(Dossier.id).in_(ids))).all()
        )
        for link in links:
            ctx.session.delete(link)
    ctx.session.flush()
    assert contact.id is not None
    result: RemovedContact = {
        "id": contact.id,
        "customer": _customer_code(ctx, contact),
        "name": contact.name,
        "main_of": [d.number for d in main_of],
        "unlinked": unlinked,
    }
    ctx.session.delete(contact)
    ctx.session.flush()
    return result
