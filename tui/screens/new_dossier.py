"""New dossier: pick a customer, a scenario, an agent and a reason; see the overdue entries
and open credits the dossier will take, with their total, before opening it.

Dismisses with the new dossier's number, or None on Escape. A refusal from the engine (an
unknown customer, nothing overdue) shows inline and nothing is written.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from engine.dossiers import open_dossier
from engine.errors import UserError
from engine.i18n import N_, _, ngettext, pgettext
from engine.inert import inert
from engine.reads.customer_list import (
    CustomerFilter,
    agent_choices,
    collectible_preview,
    customer_window,
    preview_totals,
)
from engine.reads.views import scenario_rows
from engine.scenarios import BUILTIN_NAME
from tui import format as fmt
from tui.labels import kind_label
from tui.screens.base import BaseModal
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Row

MATCHES = 5  # customers offered while typing


def _agent_label(user: Row) -> str:
    name = user["name"]
    return f"{user['login']} — {name}" if name and name != user["login"] else user["login"]


class NewDossierScreen(BaseModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Open dossier"), id="new_dossier.save"),
        Binding("escape", "cancel", N_("Cancel"), id="new_dossier.cancel"),
        Binding("down", "to_matches", show=False, id="new_dossier.matches"),
    ]
    DEFAULT_CSS = """
    NewDossierScreen { align: center middle; }
    NewDossierScreen #form {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    NewDossierScreen .title { text-style: bold; margin-bottom: 1; }
    NewDossierScreen .field { height: 1; margin-bottom: 1; }
    NewDossierScreen .field Label { width: 10; }
    NewDossierScreen .field Input, NewDossierScreen .field Select { width: 1fr; }
    NewDossierScreen #matches { height: auto; max-height: 5; margin: 0 0 1 10; }
    NewDossierScreen #preview { height: auto; max-height: 8; }
    NewDossierScreen #total { height: 1; text-style: bold; }
    NewDossierScreen #error { height: auto; color: $error; }
    """

    def __init__(self, customer_code: str | None = None) -> None:
        super().__init__()
        self.initial = customer_code
        self.chosen: str | None = None  # the customer whose preview is shown
        self.matches: list[Row] = []
        self.matches_for = ""  # the text the matches were looked up for
        self.pick_when_found = False  # Enter came before the matches: pick when they come

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(_("New dossier"), classes="title")
            with Horizontal(classes="field"):
                yield Label(_("Customer"))
                yield Input(
                    placeholder=_("customer code or part of its name"), id="customer", compact=True
                )
            yield OptionList(id="matches", markup=False, compact=True)
            with Horizontal(classes="field"):
                yield Label(_("Scenario"))
                yield Select[str]([], id="scenario", compact=True, prompt=_("(none)"))
            with Horizontal(classes="field"):
                yield Label(_("Agent"))
                yield Select[str]([], id="agent", compact=True, prompt="—")
            with Horizontal(classes="field"):
                yield Label(_("Reason"))
                yield Input(placeholder=_("why this dossier (optional)"), id="reason", compact=True)
            yield Static(
                _("Choose a customer to see what the dossier will take."), id="total", markup=False
            )
            yield DataTable(id="preview", cursor_type="row", show_cursor=False)
            yield Static("", id="error", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#matches", OptionList).display = False
        table = self.query_one("#preview", DataTable)
        table.add_columns(
            _("Due date"),
            pgettext("column", "Late"),
            _("Invoice"),
            _("Kind"),
            pgettext("column", "Open amount"),
        )
        table.can_focus = False  # read-only: Tab goes from field to field
        box = self.query_one("#customer", Input)
        if self.initial:
            self.chosen = self.initial
            box.value = self.initial
            self.load_preview(self.initial)
            self.query_one("#scenario", Select).focus()
        else:
            box.focus()
        self.load_choices()

    def unsaved_changes(self) -> bool:
        """``q`` does not drop a form being filled in (the app asks for Escape first)."""
        return bool(self.query_one("#reason", Input).value.strip()) or (
            not self.initial and bool(self.query_one("#customer", Input).value.strip())
        )

    # -- choices: scenarios and agents

    @work(thread=True, exclusive=True, group="new-dossier-choices", exit_on_error=False)
    def load_choices(self) -> None:
        def read(ctx: Any) -> tuple[list[str], list[Row], str]:
            names = [s["name"] for s in scenario_rows(ctx.session)]
            return names, agent_choices(ctx.session, ctx.actor), ctx.actor.login

        result = self.call_engine(read)
        if result is not None:
            self.rcv.call_from_thread(self.show_choices, *result)

    def show_choices(self, scenarios: list[str], agents: list[Row], login: str) -> None:
        scenario = self.query_one("#scenario", Select)
        scenario.set_options([(Text(inert(name)), name) for name in scenarios])
        if scenarios:
            scenario.value = BUILTIN_NAME if BUILTIN_NAME in scenarios else scenarios[0]
        agent = self.query_one("#agent", Select)
        agent.set_options([(Text(inert(_agent_label(a))), a["login"]) for a in agents])
        logins = [a["login"] for a in agents]
        if logins:
            agent.value = login if login in logins else logins[0]

    # -- customer: type a code or a name, pick a match

    @on(Input.Changed, "#customer")
    def customer_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text == self.chosen:
            return
        self.chosen = None
        self.show_preview(None, [])
        self.search(text)

    @work(thread=True, exclusive=True, group="new-dossier-search", exit_on_error=False)
    def search(self, text: str) -> None:
        rows: list[Row] = []
        if text:
            flt = CustomerFilter(text=text)
            found = self.call_engine(
                lambda ctx: customer_window(ctx.session, flt, 0, MATCHES, ctx.today)
            )
            rows = [dict(row) for row in found or []]
        self.rcv.call_from_thread(self.show_matches, text, rows)

    def show_matches(self, text: str, rows: list[Row]) -> None:
        if text != self.query_one("#customer", Input).value.strip() or self.chosen:
            return  # typed on, or chosen, meanwhile
        self.matches, self.matches_for = rows, text
        if self.pick_when_found:
            self.pick_when_found = False
            if rows:
                self.pick(text)
                return
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        for r in rows:
            overdue = _("overdue {amount}").format(amount=fmt.money(r["overdue"]))
            shown = inert(f"{r['code']}  {r['name']}")
            matches.add_option(Option(f"{shown}  · {overdue}", id=r["code"]))
        matches.display = bool(rows)
        if rows:
            matches.highlighted = 0
        self.show_error(
            _("No customer matches {text!r}: type a customer code or part of a name.").format(
                text=text
            )
            if text and not rows
            else ""
        )

    @on(Input.Submitted, "#customer")
    def customer_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.show_error(_("Choose a customer: type its code or part of its name."))
            return
        if text == self.chosen:
            self.query_one("#scenario", Select).focus()
            return
        if self.matches_for != text:
            self.pick_when_found = True  # typed faster than the lookup: pick when it answers
            return
        self.pick(text)

    def pick(self, text: str) -> None:
        """The customer Enter means: the exact code, else the highlighted (first) match, else
        the text as typed (the engine names it if unknown)."""
        exact = [r for r in self.matches if r["code"].casefold() == text.casefold()]
        options = self.query_one("#matches", OptionList)
        if exact:
            self.choose(exact[0]["code"])
        elif self.matches:
            index = options.highlighted if options.highlighted is not None else 0
            self.choose(self.matches[min(index, len(self.matches) - 1)]["code"])
        else:
            self.choose(text)

    def action_to_matches(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if self.focused is self.query_one("#customer", Input) and matches.display:
            matches.focus()
        else:
            self.focus_next()

    @on(OptionList.OptionSelected, "#matches")
    def match_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.choose(event.option.id)

    def choose(self, code: str) -> None:
        self.chosen = code
        self.query_one("#customer", Input).value = code
        self.query_one("#matches", OptionList).display = False
        self.show_error("")
        self.load_preview(code)
        self.query_one("#scenario", Select).focus()

    # -- what it will take

    @work(thread=True, exclusive=True, group="new-dossier-preview", exit_on_error=False)
    def load_preview(self, code: str) -> None:
        try:
            rows = self.rcv.backend.read(
                lambda ctx: collectible_preview(ctx.session, code, ctx.today)
            )
        except UserError as exc:
            self.rcv.call_from_thread(self.preview_refused, code, exc.message)
            return
        self.rcv.call_from_thread(self.show_preview, code, rows)

    def preview_refused(self, code: str, message: str) -> None:
        if code == self.chosen:
            self.show_error(message)

    def show_preview(self, code: str | None, rows: list[Row]) -> None:
        if code != self.chosen:
            return  # another customer was chosen meanwhile
        table = self.query_one("#preview", DataTable)
        table.clear()
        total_line = self.query_one("#total", Static)
        if code is None:
            total_line.update(_("Choose a customer to see what the dossier will take."))
            return
        for r in rows:
            table.add_row(
                fmt.date(r["due_date"]),
                "" if r["days_late"] is None else str(r["days_late"]),
                Text(inert(r["invoice"] or r["piece"])),  # a str cell would be read as markup
                kind_label(r["kind"]),
                fmt.money(r["open_amount"], symbol=False),
                key=str(r["id"]),
            )
        totals = preview_totals(rows)
        if rows:
            text = ngettext(
                "{code}: {n} entry will be taken, total {total}",
                "{code}: {n} entries will be taken, total {total}",
                len(rows),
            ).format(code=inert(code), n=len(rows), total=fmt.money(totals["total"]))
            if not totals["opens"]:
                text += " · " + _("no overdue invoice: nothing to collect")
        else:
            text = _("{code}: nothing overdue to take.").format(code=inert(code))
        total_line.update(text)

    # -- open it

    @on(Input.Submitted, "#reason")
    def reason_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.saving:
            return
        code = self.chosen or self.query_one("#customer", Input).value.strip()
        if not code:
            self.show_error(_("Choose a customer: type its code or part of its name."))
            self.query_one("#customer", Input).focus()
            return
        scenario = self.query_one("#scenario", Select).value
        agent = self.query_one("#agent", Select).value
        scenario_name = scenario if isinstance(scenario, str) else None
        agent_login = agent if isinstance(agent, str) else None
        reason = self.query_one("#reason", Input).value.strip()
        self.save(
            lambda ctx: (
                open_dossier(ctx, code, scenario_name, agent=agent_login, reason=reason).number
            ),
            self.opened,
        )

    def opened(self, number: str) -> None:
        self.rcv.notify(_("Dossier {number} opened.").format(number=number))
        self.dismiss(number)

    def action_cancel(self) -> None:
        box = self.query_one("#customer", Input)
        if self.focused is self.query_one("#matches", OptionList):
            box.focus()  # out of the list of matches first, then out of the form
            return
        self.close_asking()

    def show_error(self, message: str) -> None:
        self.query_one("#error", Static).update(inert(message))  # refusals quote data
