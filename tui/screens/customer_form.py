"""The customer's edit form: name, identity (address, e-mail, phone, SIREN), consumer,
excluded from reminders, note.

The form saves itself (FormModal.saver): the engine checks the values (a SIREN's check
digit, an e-mail's shape) and the version the form was opened on, and a refusal is shown
inside the form, which stays open with what was typed. It closes once saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input

from engine.i18n import _
from tui.screens.forms import FormModal

if TYPE_CHECKING:
    from engine.context import Ctx

Row = dict[str, Any]

TEXT_FIELDS = ("name", "address", "email", "phone", "siren", "note")
FLAGS = ("consumer", "no_reminders")


class CustomerForm(FormModal):
    """``detail``: engine.reads.customer_list.customer_detail's dict (with ``version``).
    Dismisses with True once saved (whether anything changed or not)."""

    DEFAULT_CSS = """
    CustomerForm Checkbox { width: 1fr; background: $boost; border: none; padding: 0; }
    CustomerForm Checkbox:focus { background: $accent 40%; }
    """

    def __init__(self, detail: Row) -> None:
        super().__init__(_("Edit customer {code}").format(code=detail["code"]))
        self.detail = detail
        code, version = detail["code"], detail["version"]

        def save(values: Row) -> Callable[[Ctx], bool]:
            def work(ctx: Ctx) -> bool:
                from engine.customers import edit_customer

                edit_customer(ctx, code, version, **values)
                return True

            return work

        self.saver = save

    def fields(self) -> ComposeResult:
        c = self.detail

        def text(field: str, stored: str, limit: int, placeholder: str = "") -> Input:
            # Shown inert (the value may come from a file); left as shown, it is not sent.
            shown = self.prefill(field, stored or "")
            # An escape is longer than its character: room for the shown value, while
            # the engine still checks the length of what is typed.
            limit = max(limit, len(shown))
            return Input(shown, id=field, max_length=limit, placeholder=placeholder, compact=True)

        yield self.row(_("Name"), text("name", c["name"], 200))
        # Several lines typed on one: separated by \n (as on the command line).
        yield self.row(
            _("Address"), text("address", c["address"], 400, _("12 rue de la Paix\\n75002 Paris"))
        )
        yield self.row(_("Email"), text("email", c["email"], 200, "compta@dupont.fr"))
        yield self.row(_("Phone"), text("phone", c["phone"], 40, "+33 1 23 45 67 89"))
        yield self.row(_("SIREN"), text("siren", c["siren"], 20, "732 829 320"))
        yield self.row(
            _("Consumer"),
            Checkbox(_("no recovery indemnity"), c["consumer"], id="consumer", compact=True),
        )
        yield self.row(
            _("No reminders"),
            Checkbox(
                _("no preventive reminder"),
                c["excluded_from_reminders"],
                id="no_reminders",
                compact=True,
            ),
        )
        yield self.row(_("Note"), text("note", c["note"], 2000))

    def collect(self) -> Row:
        """Only the fields the user changed: a stored value the engine would refuse if typed
        (a control character from an imported file) does not block saving another field."""
        values: Row = {}
        for field in TEXT_FIELDS:
            value = self.text(field)
            if value != (self.detail[field] or ""):
                values[field] = value
        stored: dict[str, bool] = {
            "consumer": self.detail["consumer"],
            "no_reminders": self.detail["excluded_from_reminders"],
        }
        for flag in FLAGS:
            ticked = self.query_one(f"#{flag}", Checkbox).value
            if ticked != stored[flag]:
                values[flag] = ticked
        return values
