"""Rates and risks (mode `9`): the dated late-payment rate table and the risk codes.

Managers add (`a`), change (`e` or Enter, a rate row only: the same start replaces it) and
remove (`x`) rows of the table that has the focus (Tab goes to the other one); everyone
else reads. The rules are engine.rates and engine.risks; this screen shows plain dicts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from babel.numbers import format_decimal
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.widgets import Static

from engine.context import Ctx
from engine.i18n import N_, _, current_language
from tui import format as fmt
from tui.screens.base import BaseScreen
from tui.screens.forms import ConfirmForm
from tui.screens.prompts import PromptModal
from tui.widgets.columns import Column, Row, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody
from tui.widgets.title_bar import TitleBar


def read_reference(ctx: Ctx) -> Row:
    from engine.rates import rate_rows, rate_warnings
    from engine.risks import risk_rows

    return {
        "manager": ctx.actor.is_manager,
        "rates": [
            {"start": r["start"].isoformat(), "rate": format(r["rate"], "f"), "note": r["note"]}
            for r in rate_rows(ctx.session)
        ],
        "risks": risk_rows(ctx.session),
        "warnings": rate_warnings(ctx),
    }


def _day(iso: str) -> str:
    return fmt.date(dt.date.fromisoformat(iso))


def _percent(rate: str) -> str:
    """``12,15 %`` in French; every digit kept (a rate may have more than two)."""
    locale = fmt.LOCALES.get(current_language(), "en_GB")
    return format_decimal(Decimal(rate), format="0.00##", locale=locale) + "\u00a0%"


def rate_columns(width: int) -> list[Column]:
    """The rate, like an amount, is never cut (tui.widgets.columns); the note gives way."""
    return fit(
        [
            Column("start", _("From"), 10, show=_day, rank=1),
            Column("rate", _("Annual rate"), 9, right=True, show=_percent, money=True),
            Column("note", _("Note"), 20, flex=True),
        ],
        width,
        20,
    )


def risk_columns(width: int) -> list[Column]:
    return fit(
        [
            Column("code", _("Code"), 20, rank=1),
            Column("label", _("Label"), 20, flex=True),
            Column("used", _("In use"), 6, right=True, rank=1),
        ],
        width,
        20,
    )


COLUMNS = {"rates": rate_columns, "risks": risk_columns}


class ReferenceScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", N_("Add"), id="reference.add"),
        Binding("e,enter", "edit", N_("Change"), id="reference.edit"),
        Binding("x,delete", "remove", N_("Remove"), id="reference.remove"),
    ]
    HELP = N_(
        "Rates: one row per half-year (1 January, 1 July), the ECB rate of that day plus 10 "
        "points; a row on an existing date replaces it. A risk code in use cannot be removed. "
        "As commands: recouvrement rates add|remove, recouvrement risks add|remove."
    )
    DEFAULT_CSS = """
    ReferenceScreen .section { height: 1; padding: 0 1; background: $panel; }
    ReferenceScreen #warning { height: auto; padding: 0 1; color: $warning; }
    ReferenceScreen #rates { height: 1fr; }
    ReferenceScreen #risks { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.data: Row | None = None
        self.sources = {"rates": ListSource(), "risks": ListSource()}
        self.tables = {
            name: LazyTable(COLUMNS[name](80), self.sources[name], id=name) for name in self.sources
        }

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical():
            yield Static(_("Late-payment rates"), id="rates-title", classes="section")
            yield Static("", id="warning", markup=False)
            yield self.tables["rates"]
            yield Static(_("Risk codes"), id="risks-title", classes="section")
            yield self.tables["risks"]
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Rates and risks")
        self.tables["rates"].body.focus()
        self.load()

    def on_resize(self, event: Resize) -> None:
        for name, table in self.tables.items():
            table.set_columns(COLUMNS[name](event.size.width))

    # -- reading

    @work(thread=True, exclusive=True, group="reference", exit_on_error=False)
    def load(self, focus: str | None = None) -> None:
        data = self.call_engine(read_reference)
        if data is not None:
            self.rcv.call_from_thread(self.show, data, focus)

    def show(self, data: Row, focus: str | None = None) -> None:
        self.data = data
        suffix = "" if data["manager"] else " · " + _("read-only")
        self.query_one("#rates-title", Static).update(_("Late-payment rates") + suffix)
        self.query_one("#risks-title", Static).update(_("Risk codes") + suffix)
        self.query_one("#warning", Static).update("\n".join(data["warnings"]))
        self._fill("rates", data["rates"], [r["start"] for r in data["rates"]], focus)
        self._fill("risks", data["risks"], [r["code"] for r in data["risks"]], focus)
        self.refresh_bindings()

    def _fill(self, name: str, rows: list[Row], keys: list[str], focus: str | None) -> None:
        """Notes, codes and labels are data: the table draws them inert."""
        self.sources[name].rows = rows
        table = self.tables[name]
        table.show_rows(rows)  # the cursor stays where it was
        if focus in keys:
            table.body.move_to(keys.index(focus))

    # -- which table, which row

    def active(self) -> str:
        focused = self.focused
        if isinstance(focused, TableBody) and focused is self.tables["risks"].body:
            return "risks"
        return "rates"

    def current(self) -> Row | None:
        if self.data is None:
            return None
        return self.tables[self.active()].body.current

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("add", "edit", "remove"):
            return True
        if self.data is None or not self.data["manager"]:
            return None  # shown dimmed: read-only
        if action == "edit" and self.active() != "rates":
            return None  # a risk code is removed and added again, not renamed
        if action in ("edit", "remove") and self.current() is None:
            return None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(TableBody.Highlighted)
    def row_highlighted(self) -> None:
        self.refresh_bindings()

    @on(TableBody.Selected)
    def row_selected(self) -> None:
        """Enter on a rate changes it, as `e` does (a risk code is not renamed)."""
        if self.check_action("edit", ()):
            self.action_edit()

    # -- changes

    def action_add(self) -> None:
        if self.active() == "rates":
            self.rate_form(_("New late-payment rate"), "", "", "")
            return

        def add(ctx: Ctx, data: dict[str, str]) -> Row:
            from engine.risks import add_risk

            return add_risk(ctx, data["code"], data["label"])

        self.app.push_screen(
            PromptModal(
                _("New risk code"), [("code", _("Code"), ""), ("label", _("Label"), "")], add
            ),
            callback=lambda row: self.changed(
                row, row and _("Risk code {code!r} added.").format(code=row["code"]), "risks"
            ),
        )

    def action_edit(self) -> None:
        row = self.current()
        if row is not None and self.active() == "rates":
            self.rate_form(_("Change the rate"), row["start"], row["rate"], row["note"])

    def rate_form(self, title: str, start: str, rate: str, note: str) -> None:
        def save(ctx: Ctx, data: dict[str, str]) -> Row:
            from engine.rates import add_rate

            return add_rate(ctx, data["start"], data["rate"], data["note"])

        def saved(row: Row | None) -> None:
            if row is None:
                return
            text = _("Late-payment rate from {day}: {rate} saved.").format(
                day=fmt.date(row["start"]), rate=_percent(str(row["rate"]))
            )
            self.changed(row, " ".join([text, *row["warnings"]]), row["start"].isoformat())

        self.app.push_screen(
            PromptModal(
                title,
                [
                    ("start", _("From (YYYY-MM-DD, 1 January or 1 July)"), start),
                    ("rate", _("Annual rate in percent (ECB rate + 10)"), rate),
                    ("note", _("Note"), note),
                ],
                save,
            ),
            callback=saved,
        )

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return
        if self.active() == "rates":
            question = _("Remove the rate from {day} ({rate} %)?").format(
                day=row["start"], rate=row["rate"]
            )
        else:
            question = _("Remove the risk code {code!r}?").format(code=row["code"])
        self.app.push_screen(
            ConfirmForm(question),
            callback=lambda yes: self.confirmed(bool(yes), self.active(), row),
        )

    def confirmed(self, yes: bool, table: str, row: Row) -> None:
        if yes:
            self.remove_row(table, row)

    @work(thread=True, exclusive=True, group="reference-change", exit_on_error=False)
    def remove_row(self, table: str, row: Row) -> None:
        from engine.rates import remove_rate
        from engine.risks import remove_risk

        if table == "rates":
            done = self.call_engine(lambda ctx: remove_rate(ctx, row["start"]), write=True)
            text = _("Late-payment rate from {day} removed.").format(day=row["start"])
        else:
            done = self.call_engine(lambda ctx: remove_risk(ctx, row["code"]), write=True)
            text = _("Risk code {code!r} removed.").format(code=row["code"])
        if done is not None:
            self.rcv.call_from_thread(self.changed, done, text, None)

    def changed(self, row: Row | None, text: str | None, focus: str | None) -> None:
        if row is None:
            return
        if text:
            self.rcv.notify(text)
        self.load(focus)
