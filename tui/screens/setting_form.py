"""The form that changes one company setting (the Company screen, managers).

It saves itself (FormModal.saver): the engine checks the value (an IBAN's checksum, a BIC
of the IBAN's country, an e-mail address safe in a header…) and a refusal is shown inside
the form, which stays open with what was typed. It closes once saved.

A postal address is typed on one line, its lines separated by ``\\n`` (as on the command
line). The SMTP password is never read back: the field starts with a placeholder of dots;
left so, nothing is written; emptied, the password is cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Static

from engine.i18n import _
from engine.inert import inert
from tui.screens.forms import FormModal

if TYPE_CHECKING:
    from engine.context import Ctx

KEEP = "\x00keep"  # the password left untouched: nothing to write


class SettingForm(FormModal):
    """``row``: engine.reads.company.SettingRow. Dismisses with the value as shown once saved
    (None on Escape)."""

    DEFAULT_CSS = """
    SettingForm #help { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(self, row: dict[str, Any], label: str) -> None:
        super().__init__(_("Change the setting: {label}").format(label=label))
        self.setting = row
        self.field_label = label
        key = row["key"]

        def save(value: str) -> Callable[[Ctx], str]:
            def work(ctx: Ctx) -> str:
                from engine.settings import display_setting, set_setting

                if value == KEEP:
                    return display_setting(key, ctx.settings.get(key))
                return display_setting(key, set_setting(ctx.session, key, value, ctx.actor))

            return work

        self.saver = save

    def fields(self) -> ComposeResult:
        row = self.setting
        help_text = _(row["help"])
        if row["key"] == "company_address":
            help_text += " " + _("Separate the lines with \\n (at most 6).")
        yield Static(inert(help_text), id="help", markup=False)
        if row["secret"]:
            # Never the stored password: dots standing for it (KEEP when left as they are).
            shown = "********" if row["value"] else ""
            self.prefilled["value"] = (shown, KEEP)
            field = Input(shown, id="value", password=True, compact=True)
        else:
            field = Input(self.prefill("value", row["edit"]), id="value", compact=True)
        yield self.row(self.field_label, field)

    def collect(self) -> str:
        return self.text("value")
