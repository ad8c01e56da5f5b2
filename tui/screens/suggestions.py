"""The lettering suggestions of a customer (engine.lettering.suggestions), to pick one from:
each names the payment (date, piece, amount, label), the invoices it would letter (piece,
what each leaves open), why it is proposed and whether it settles them in full.

Enter dismisses with the suggestion highlighted (tui.changes.Changes.suggest letters it, as
`L` letters marked entries: the same confirmation and refusals); Escape closes. Every text
from data is shown inert.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.i18n import N_, _, ngettext
from engine.inert import inert
from engine.lettering import Suggestion
from tui import format as fmt
from tui import labels
from tui.screens.base import BaseModal
from tui.widgets.key_bar import KeyBar


def outcome_text(left: Decimal) -> str:
    """What lettering the suggestion leaves: nothing, a rest owed, or a part of the payment."""
    if left == 0:
        return _("settles in full")
    if left > 0:
        return _("leaves {amount} owed").format(amount=fmt.money(left))
    return _("leaves {amount} of the payment unused").format(amount=fmt.money(-left))


def suggestion_text(s: Suggestion) -> Text:
    """Three lines: the payment, the invoices, why and what it leaves (data inert)."""
    invoices = ", ".join(
        f"{inert(number)} {fmt.amount(amount)}"
        for number, amount in zip(s["numbers"], s["amounts"], strict=True)
    )
    count = len(s["invoices"])
    with_invoices = ngettext("with invoice {invoices}", "with invoices {invoices}", count)
    lines = [
        _("Payment {day} · {piece} · {amount} · {label}").format(
            day=fmt.date(s["payment_date"]),
            piece=inert(s["payment_piece"]),
            amount=fmt.amount(s["amount"]),
            label=inert(s["payment_label"]),
        ),
        "  " + with_invoices.format(invoices=invoices),
        "  "
        + _("{why} · {outcome}").format(
            why=labels.reason_label(s["reason"]), outcome=outcome_text(s["left"])
        ),
    ]
    return Text("\n".join(lines), no_wrap=False)  # plain Text: no markup read


class SuggestionsModal(BaseModal):
    """The suggestions to choose from; dismissed with the chosen one, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Before the list's own Enter, so that the key bar shows what Enter does.
        Binding("enter", "letter", N_("Letter it"), id="suggest.letter", priority=True),
        Binding("escape", "close", N_("Close"), id="suggest.close"),
    ]
    DEFAULT_CSS = """
    SuggestionsModal { align: center middle; }
    SuggestionsModal > #box {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    SuggestionsModal #suggest-title { text-style: bold; margin-bottom: 1; }
    SuggestionsModal OptionList { height: auto; max-height: 100%; }
    """

    def __init__(self, customer: str, suggestions: list[Suggestion]) -> None:
        super().__init__()
        self.customer = customer
        self.suggestions = suggestions

    def compose(self) -> ComposeResult:
        title = _("Suggested letterings for customer {customer}").format(
            customer=inert(self.customer)
        )
        with Vertical(id="box"):
            yield Static(title, id="suggest-title", markup=False)
            options: list[Option | None] = []
            for i, s in enumerate(self.suggestions):
                if i:
                    options.append(None)  # a line between two suggestions
                options.append(Option(suggestion_text(s), id=str(i)))
            yield OptionList(*options, id="suggestions", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_letter(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.choose(options.get_option_at_index(options.highlighted))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option)

    def choose(self, option: Option) -> None:
        self.dismiss(self.suggestions[int(option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
