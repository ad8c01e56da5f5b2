"""Customer services: change a customer's identity, flags and note; exclude an entry.

Rules (docs/RULES.md):
- Agents and managers may change a customer; auditors read only.
- A consumer customer is charged no fixed recovery indemnity (engine.effects); a customer
  excluded from reminders gets no preventive reminder.
- Every value is checked before anything is written, naming the field (``labels``: the
  command line names its options, the TUI its fields) and what is expected, so both
  backends store exactly the same data.
- A save made from a stale copy is refused (optimistic locking through ``version``); the
  same values again write nothing. The history listener records the change.
- An excluded entry (a disputed invoice) stays out of new dossiers and preventive reminders;
  one already in an open dossier stays there, shown as excluded, with its amounts unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from engine import parsing
from engine.access import require_write
from engine.context import Ctx, claim
from engine.dossiers import OPEN_STATES, find_customer
from engine.errors import NotFound, UserError
from engine.i18n import N_, _
from engine.parsing import MAX_ID
from engine.text_limits import field_limit
from models.tables import Customer, Dossier, DossierEntry, Entry

MULTILINE = ("address", "note")  # may hold line breaks

YES = ("yes", "1", "oui", "true")
NO = ("no", "0", "non", "false")

# What the TUI calls each field (translated when shown); the command line passes its options.
FIELD_LABELS = {
    "name": N_("name"),
    "address": N_("address"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "siren": N_("SIREN"),
    "consumer": N_("consumer"),
    "no_reminders": N_("excluded from reminders"),
    "note": N_("note"),
}

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"[0-9+().\-/ ]+")


def parse_yes_no(value: str, what: str) -> bool:
    """``yes/no``, ``1/0``, ``oui/non``, ``true/false`` (any case), or one clear refusal."""
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise UserError(
        _("Invalid {what} {value!r}: expected yes or no (also 1/0, oui/non, true/false).").format(
            what=what, value=value
        )
    )


def customer_text(value: str, field: str, label: str) -> str:
    """A text field as stored: stripped (a Windows line break read as one), within its
    column's length, no control character but a line break where the field allows it
    (``engine.parsing.check_text``)."""
    text = value.replace("\r\n", "\n").strip()
    return parsing.check_text(
        text, label, field_limit(Customer, field), plain=True, multiline=field in MULTILINE
    )


def check_siren(value: str, label: str) -> str:
    """A SIREN (9 digits, Luhn check digit), stored compact; empty clears it."""
    text = customer_text(value, "siren", label)
    if not text:
        return ""
    from stdnum.exceptions import ValidationError  # imported when a SIREN is typed
    from stdnum.fr import siren

    try:
        return str(siren.validate(text))
    except ValidationError:
        raise UserError(
            _(
                "{field} {value!r} is not a valid SIREN: expected 9 digits with a valid check "
                "digit, such as 732 829 320."
            ).format(field=label, value=value)
        ) from None


def check_email(value: str, label: str) -> str:
    text = customer_text(value, "email", label)
    if text and not _EMAIL.fullmatch(text):
        raise UserError(
            _(
                "{field} {value!r} is not an e-mail address: expected one such as "
                "compta@dupont.fr (or nothing to clear it)."
            ).format(field=label, value=value)
        )
    return text


def check_phone(value: str, label: str) -> str:
    text = customer_text(value, "phone", label)
    if text and not (_PHONE.fullmatch(text) and any(c.isdigit() for c in text)):
        raise UserError(
            _(
                "{field} {value!r} is not a phone number: expected digits, spaces and + ( ) . - "
                "such as +33 1 23 45 67 89 (or nothing to clear it)."
            ).format(field=label, value=value)
        )
    return text


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {k: (labels or {}).get(k) or _(v) for k, v in FIELD_LABELS.items()}


def customer_label(customer: Customer) -> str:
    return _("Customer {code}").format(code=customer.code)


def edit_customer(
    ctx: Ctx,
    code: str,
    expected_version: int | None = None,
    *,
    name: str | None = None,
    address: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    siren: str | None = None,
    consumer: bool | None = None,
    no_reminders: bool | None = None,
    note: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[Customer, bool]:
    """Change the given fields (None: keep); returns the customer and whether it changed.
    ``expected_version``: the version the user saw (the TUI form); None takes the stored
    one (a command acts on what is there now)."""
    require_write(ctx.actor)
    names = _labels(labels)
    wanted: dict[str, Any] = {}
    if name is not None:
        wanted["name"] = customer_text(name, "name", names["name"])
        if not wanted["name"]:
            raise UserError(
                _("{field} cannot be empty: expected the customer's name.").format(
                    field=names["name"]
                )
            )
    if address is not None:
        # Lines separated by a line break or the two characters \n (a command line, the
        # TUI's one-line field: the same convention as the company's address).
        wanted["address"] = customer_text(address.replace("\\n", "\n"), "address", names["address"])
    if email is not None:
        wanted["email"] = check_email(email, names["email"])
    if phone is not None:
        wanted["phone"] = check_phone(phone, names["phone"])
    if siren is not None:
        wanted["siren"] = check_siren(siren, names["siren"])
    if consumer is not None:
        wanted["consumer"] = bool(consumer)
    if no_reminders is not None:
        wanted["excluded_from_reminders"] = bool(no_reminders)
    if note is not None:
        wanted["note"] = customer_text(note, "note", names["note"])
    customer = find_customer(ctx.session, code, lock=True)
    changes = {k: v for k, v in wanted.items() if getattr(customer, k) != v}
    if not changes:
        return customer, False  # the same values again: nothing is written
    claim(ctx.session, customer, expected_version, customer_label(customer))
    for key, value in changes.items():
        setattr(customer, key, value)
    ctx.session.flush()
    return customer, True


def find_entry(ctx: Ctx, entry_id: int, lock: bool = False) -> Entry:
    if not 1 <= entry_id <= MAX_ID:
        entry = None
    else:
        query = select(Entry).where(Entry.id == entry_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        entry = ctx.session.exec(query).first()
    if entry is None:
        raise NotFound(
            _(
                "Unknown entry {id}: expected the id of an entry (see `recouvrement customers "
                "show CODE` or `dossier show NUMBER`)."
            ).format(id=entry_id)
        )
    return entry


def exclude_entry(ctx: Ctx, entry_id: int, excluded: bool = True) -> dict[str, Any]:
    """Exclude an entry from reminders and new dossiers (a disputed invoice), or bring it
    back (``excluded=False``). Asking for the state it has writes nothing.

    Returns ``id``, ``excluded``, ``changed`` and ``dossier``: the open or paused dossier
    holding the entry (it stays there, shown as excluded), or None."""
    require_write(ctx.actor)
    entry = find_entry(ctx, entry_id, lock=True)
    changed = entry.excluded != excluded
    if changed:
        claim(ctx.session, entry, None, _("Entry {id}").format(id=entry.id))
        entry.excluded = excluded
        ctx.session.flush()
    dossier = ctx.session.exec(
        select(Dossier.number)
        .join(DossierEntry, col(DossierEntry.dossier_id) == col(Dossier.id))
        .where(DossierEntry.entry_id == entry.id, col(Dossier.status).in_(OPEN_STATES))
    ).first()
    return {"id": entry.id, "excluded": entry.excluded, "changed": changed, "dossier": dossier}
