"""The company (mode `8`): its identity, letters and e-mail, and the rules, one setting a
row, grouped.

A manager changes a setting with Enter or `e` (a form prefilled with the value; the engine
checks it and a refusal shows inside the form). Agents and auditors read: the key says why
it is refused. The SMTP password is never shown. The rules are engine.settings; the same
as commands: recouvrement settings show|set.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from engine.context import Ctx
from engine.i18n import N_, _
from tui.screens.base import ReadListScreen
from tui.widgets.columns import Column, Row, fit
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody


def read_company(ctx: Ctx) -> Row:
    from engine.reads.company import setting_rows

    return {
        "manager": ctx.actor.is_manager,
        "login": ctx.actor.login,
        "role": ctx.actor.role,
        "rows": [dict(r) for r in setting_rows(ctx.settings)],
    }


def _shown(row: Row) -> Row:
    """A row for the table: the catalog ids translated, yes/no for a flag."""
    value = row["value"]
    if row["boolean"]:
        value = _("yes") if value == "true" else _("no")
    return {
        **row,
        "group_text": _(row["group"]) if row["group"] else "",
        "label_text": _(row["label"]),
        "value_text": value,
    }


def columns(width: int) -> list[Column]:
    return fit(
        [
            Column("group_text", _("Group"), 18, rank=2),
            Column("label_text", _("Setting"), 24, rank=1),
            Column("value_text", _("Value"), 20, flex=True),
        ],
        width,
        20,
    )


class CompanyScreen(ReadListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", N_("Change"), id="company.edit"),
    ]
    HELP = N_(
        "The company's identity on letters, how e-mail is sent, and the collection rules. "
        "Managers change them; a refused value is shown in the form. A postal address is "
        "typed on one line, its lines separated by \\n. As commands: recouvrement settings "
        "show, recouvrement settings set KEY VALUE."
    )
    DEFAULT_CSS = """
    CompanyScreen #title { height: 1; padding: 0 1; background: $panel; }
    CompanyScreen #meaning { height: auto; padding: 0 1; color: $text-muted; }
    CompanyScreen #settings { height: 1fr; }
    """

    def __init__(self) -> None:
        self.source = ListSource()
        super().__init__(LazyTable(columns(80), self.source, id="settings"))

    def heading(self) -> str:
        return _("Company settings")

    def name_shown(self) -> str:
        return _("Company")

    def columns(self, width: int) -> list[Column]:
        return columns(width)

    def read(self, ctx: Ctx) -> Row:
        return read_company(ctx)

    def below(self) -> ComposeResult:
        yield Static("", id="meaning", markup=False)

    def show(self, data: Row, focus: str | None = None) -> None:
        self.data = data
        suffix = "" if data["manager"] else " · " + _("read-only")
        self.query_one("#title", Static).update(_("Company settings") + suffix)
        rows = [_shown(r) for r in data["rows"]]
        self.source.rows = rows
        self.table.show_rows(rows)
        keys = [r["key"] for r in rows]
        if focus in keys:
            self.table.body.move_to(keys.index(focus))
        self.show_meaning()
        self.refresh_bindings()

    def current(self) -> Row | None:
        return self.table.body.current if self.data is not None else None

    @on(TableBody.Highlighted)
    def show_meaning(self) -> None:
        row = self.current()
        self.query_one("#meaning", Static).update(_(row["help"]) if row else "")

    def refuse(self) -> None:
        assert self.data is not None
        self.notify(
            _("Only a manager may change the settings ({login} has the role {role}).").format(
                login=self.data["login"], role=_(self.data["role"])
            ),
            severity="warning",
        )

    @on(TableBody.Selected)
    def row_selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        from tui.screens.setting_form import SettingForm

        row = self.current()
        if row is None or self.data is None:
            return
        if not self.data["manager"]:
            self.refuse()
            return
        key = row["key"]

        def saved(value: str) -> None:
            self.notify(_("{label} saved.").format(label=row["label_text"]))
            self.load(key)

        self.ask(SettingForm(row, row["label_text"]), saved)
