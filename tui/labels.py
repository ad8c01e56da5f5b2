"""How stored codes read on screen: entry kinds, intervention types, statuses, history fields,
roles. The engine keeps the codes (English words); every screen shows them through here, so a
code reads the same everywhere, in the language chosen at start-up.

The texts are written out (not ``_(value)``) so that the catalog extraction finds them, and
looked up when shown. ``widest`` gives a column the width of its longest label in the
language in force.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from engine.i18n import _, pgettext

Labels = dict[str, Callable[[], str]]

KINDS: Labels = {
    "invoice": lambda: pgettext("entry kind", "invoice"),
    "credit_note": lambda: pgettext("entry kind", "credit note"),
    "deposit": lambda: pgettext("entry kind", "deposit"),
    "payment": lambda: pgettext("entry kind", "payment"),
    "fee": lambda: pgettext("entry kind", "fee"),
    "penalty": lambda: pgettext("entry kind", "penalty"),
    "indemnity": lambda: pgettext("entry kind", "indemnity"),
}

TYPES: Labels = {
    "phone": lambda: pgettext("intervention type", "phone call"),
    "letter": lambda: pgettext("intervention type", "letter"),
    "email": lambda: pgettext("intervention type", "e-mail"),
    "registered_letter": lambda: pgettext("intervention type", "registered letter"),
    "visit": lambda: pgettext("intervention type", "visit"),
    "legal": lambda: pgettext("intervention type", "legal action"),
    "other": lambda: pgettext("intervention type", "other"),
}

DOSSIER_STATUSES: Labels = {
    "open": lambda: _("open"),
    "paused": lambda: _("paused"),
    "closed": lambda: _("closed"),
}

INTERVENTION_STATUSES: Labels = {
    "todo": lambda: _("todo"),
    "done": lambda: _("done"),
    "skipped": lambda: _("skipped"),
    "forecast": lambda: _("forecast"),
}

USER_ROLES: Labels = {
    "agent": lambda: _("agent"),
    "manager": lambda: _("manager"),
    "auditor": lambda: _("auditor"),
}

# A contact's place on a dossier.
CONTACT_ROLES: Labels = {
    "main": lambda: _("main"),
    "other": lambda: _("other"),
}

GROUPS: Labels = {
    "overdue": lambda: pgettext("worklist group", "Overdue"),
    "today": lambda: pgettext("worklist group", "Today"),
    "upcoming": lambda: pgettext("worklist group", "Upcoming"),
}

# Why engine.lettering.suggestions proposes a match (the command line and the screens).
LETTERING_REASONS: Labels = {
    "invoice_number": lambda: _("invoice number in the label or reference"),
    "amount": lambda: _("same amount"),
}

FIELDS: Labels = {
    "reason": lambda: pgettext("field", "reason"),
    "agent": lambda: pgettext("field", "agent"),
    "status": lambda: pgettext("field", "status"),
    "pause_until": lambda: pgettext("field", "paused until"),
    "pause_reason": lambda: pgettext("field", "pause reason"),
    "promise_amount": lambda: pgettext("field", "promised amount"),
    "promise_date": lambda: pgettext("field", "promise date"),
    "main_contact_id": lambda: pgettext("field", "main contact"),
    "contact_id": lambda: pgettext("field", "contact"),
    "entry_id": lambda: pgettext("field", "entry"),
    "scenario_id": lambda: pgettext("field", "scenario"),
    "provision": lambda: pgettext("field", "provision"),
    "planned": lambda: pgettext("field", "planned"),
    "held_from": lambda: pgettext("field", "held from"),
    "done": lambda: pgettext("field", "done on"),
    "done_by": lambda: pgettext("field", "done by"),
    "note": lambda: pgettext("field", "note"),
    "outcome": lambda: pgettext("field", "outcome"),
    "step": lambda: pgettext("field", "step"),
    "step_no": lambda: pgettext("field", "step number"),
    "type": lambda: pgettext("field", "type"),
    "contact": lambda: pgettext("field", "contact"),
    "number": lambda: pgettext("field", "number"),
    "customer_id": lambda: pgettext("field", "customer"),
    "created": lambda: pgettext("field", "created on"),
    "principal": lambda: pgettext("field", "principal"),
    "charges": lambda: pgettext("field", "charges"),
    "oldest_due": lambda: pgettext("field", "oldest due date"),
    "next_action": lambda: pgettext("field", "next action"),
    "current_step": lambda: pgettext("field", "current step"),
    "closed_on": lambda: pgettext("field", "closed on"),
    "close_reason": lambda: pgettext("field", "close reason"),
}


def _label(labels: Labels, value: Any) -> str:
    if value is None or value == "":
        return ""
    word = labels.get(value)
    return word() if word else str(value)


def kind_label(value: Any) -> str:
    """An entry kind (``credit_note`` → ``credit note``)."""
    return _label(KINDS, value)


def type_label(value: Any) -> str:
    """An intervention type as people read it (``phone`` → ``phone call``)."""
    return _label(TYPES, value)


def status_label(value: Any) -> str:
    """A dossier's or an intervention's status."""
    return _label(DOSSIER_STATUSES if value in DOSSIER_STATUSES else INTERVENTION_STATUSES, value)


def role_label(value: Any) -> str:
    """A user's role (agent, manager, auditor) or a contact's place on a dossier."""
    return _label(USER_ROLES if value in USER_ROLES else CONTACT_ROLES, value)


def group_label(value: Any) -> str:
    """A worklist group: overdue, today, upcoming."""
    return _label(GROUPS, value) if value in GROUPS else ""


def reason_label(value: Any) -> str:
    """Why a lettering is suggested: the invoice's number named, or the same amount."""
    return _label(LETTERING_REASONS, value)


def field_label(name: str) -> str:
    """A field named in the history."""
    return _label(FIELDS, name)


def widest(labels: Labels | Iterable[str], at_least: int = 0) -> int:
    """The width of the longest label, in the language in force."""
    words = [w() for w in labels.values()] if isinstance(labels, dict) else list(labels)
    return max([at_least, *(len(w) for w in words)])


# Texts the engine stores in the language of whoever made the change (a manual
# intervention's step, the outcome a move writes). Stored in English, they read in the
# language of the screen; stored in another language, they stay as written.
_MOVED = re.compile(r"moved to step (\d+)")


def step_label(step: Any) -> str:
    if step == "Manual":
        return _("Manual")
    return "" if step is None else str(step)


def stored_text(text: Any) -> str:
    """An outcome or a note as stored, with the engine's own English words translated."""
    if not text:
        return ""
    return _MOVED.sub(lambda m: _("moved to step {no}").format(no=m.group(1)), str(text))
