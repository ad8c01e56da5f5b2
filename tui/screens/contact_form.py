"""A contact's form (the customer screen's Contacts tab): name, role, e-mail, phone, postal
address. New or changed, it saves itself (FormModal.saver): the engine checks the values
(a name, one plain e-mail address, a phone, at most 6 address lines) and the version the
form was opened on; a refusal is shown inside the form, which stays open with what was
typed. It closes once saved.

The postal address is typed on one line, its lines separated by ``\\n`` (as on the command
line and in the company's settings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input

from engine.i18n import _
from tui.screens.forms import FormModal

if TYPE_CHECKING:
    from engine.context import Ctx

Row = dict[str, Any]

FIELDS = ("name", "role", "email", "phone", "address")


class ContactForm(FormModal):
    """``contact``: a contact row of engine.reads.customer_list.customer_detail (with
    ``id`` and ``version``), or None for a new contact of ``customer``. Dismisses with the
    engine's contact row once saved."""

    def __init__(self, customer: str, contact: Row | None = None) -> None:
        title = (
            _("New contact of {code}").format(code=customer)
            if contact is None
            else _("Edit contact {name}").format(name=contact["name"])
        )
        super().__init__(title)
        self.customer = customer
        self.contact = contact

        def save(values: Row) -> Callable[[Ctx], Any]:
            def work(ctx: Ctx) -> Any:
                from engine.contacts import add_contact, edit_contact

                if contact is None:
                    return add_contact(ctx, customer, **values)
                row, _changed = edit_contact(ctx, contact["id"], contact["version"], **values)
                return row

            return work

        self.saver = save

    def fields(self) -> ComposeResult:
        c = self.contact or {}

        def text(field: str, limit: int, placeholder: str = "") -> Input:
            # Shown inert (the value may come from a file); left as shown, it is not sent.
            shown = self.prefill(field, c.get(field) or "")
            limit = max(limit, len(shown))
            return Input(shown, id=field, max_length=limit, placeholder=placeholder, compact=True)

        yield self.row(_("Name"), text("name", 200))
        yield self.row(_("Role"), text("role", 120, _("Accountant")))
        yield self.row(_("Email"), text("email", 200, "compta@dupont.fr"))
        yield self.row(_("Phone"), text("phone", 40, "+33 1 23 45 67 89"))
        yield self.row(_("Address"), text("address", 400, _("12 rue de la Paix\\n75002 Paris")))

    def collect(self) -> Row:
        """A new contact: every field. A change: only the fields the user changed (a stored
        value the engine would refuse if typed does not block saving another field)."""
        if self.contact is None:
            return {field: self.text(field) for field in FIELDS}
        return {
            field: self.text(field)
            for field in FIELDS
            if self.text(field) != (self.contact.get(field) or "")
        }
