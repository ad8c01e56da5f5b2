"""Dossiers (home): every dossier, filtered as you type, sorted by any column, read from SQL
a screenful at a time."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from engine.i18n import N_, _, pgettext
from engine.reads.filters import DossierFilter
from tui import format as fmt
from tui.first_screen import FIRST_FILTER
from tui.screens.base import FilteredListScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row, TableBody

STATUSES = (None, "open", "paused", "closed")


def columns(width: int) -> list[Column]:
    """What fits: 80 columns show the essentials, 110 and more everything; the name and step
    columns take the room left."""
    wide = width >= 110
    fixed = [
        Column("number", _("Number"), 7, sort="number"),
        Column("customer", _("Customer"), 10, sort="customer"),
        Column("next_action", _("Next"), 10, show=fmt.date, sort="next_action"),
        Column("days_late", _("Late"), 6, right=True, sort="late"),
        Column("balance", _("Balance"), 13, right=True, show=_money, sort="balance"),
        Column("status", _("Status"), 7, show=lambda s: _(s) if s else "", sort="status"),
    ]
    extra = (
        [
            Column("agent", pgettext("column", "agent"), 9, sort="agent"),
            Column("scenario", _("Scenario"), 13, sort="scenario"),
        ]
        if wide
        else []
    )
    flexible = 2 if wide else 1
    used = sum(c.width + 1 for c in fixed + extra) + flexible + 2  # separators, scrollbar
    room = max(width - used, 12 * flexible)
    step = Column("step", _("Step"), room // flexible if wide else room, sort="step")
    cols = fixed[:2]
    if wide:
        cols.append(Column("customer_name", _("Name"), room - step.width, sort="name"))
        cols += extra
    return [*cols, step, *fixed[2:]]


def _money(value: Any) -> str:
    return fmt.money(value, symbol=False)


class DossierSource:
    """Rows for the table, for the filter in force (called from worker threads)."""

    def __init__(self, screen: DossiersScreen) -> None:
        self.screen = screen

    # The database layer is imported by the first read, after the first paint.

    def count(self) -> int:
        flt = self.screen.filter
        if flt == FIRST_FILTER:
            count = self.screen.rcv.prefetched("count")
            if count is not None:
                return int(count)
        from engine.reads.dossier_list import dossier_count

        return self.screen.rcv.backend.read(lambda ctx: dossier_count(ctx.session, flt))

    def fetch(self, offset: int, limit: int) -> list[Row]:
        flt = self.screen.filter
        if offset == 0 and flt == FIRST_FILTER:
            rows = self.screen.rcv.prefetched("rows")
            if rows is not None:
                return list(rows[:limit])
        from engine.reads.dossier_list import dossier_window

        rows = self.screen.rcv.backend.read(
            lambda ctx: dossier_window(ctx.session, flt, offset, limit, ctx.today)
        )
        return [dict(row) for row in rows]  # typed rows, plain dicts for the table


class DossiersScreen(FilteredListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", N_("Filter"), id="dossiers.filter"),
        Binding("escape", "clear", N_("Clear"), show=False, id="dossiers.clear"),
        Binding("m", "mine", N_("Mine"), id="dossiers.mine"),
        Binding("f", "status", N_("Status"), id="dossiers.status"),
        Binding("o", "sort", N_("Sort"), id="dossiers.sort"),
        Binding("r", "reverse", N_("Reverse"), show=False, id="dossiers.reverse"),
        Binding("n", "new", N_("New dossier"), id="dossiers.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = FIRST_FILTER
        self.reloaded = False
        self.table = LazyTable(columns(120), DossierSource(self), id="dossiers")

    def columns(self, width: int) -> list[Column]:
        return columns(width)

    def compose(self) -> ComposeResult:
        yield from self.list_top(_("/ filter: number, customer code or name"))
        yield self.table
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Dossiers")
        self.table.body.focus()
        self.refresh_flags()
        self.reload()

    # -- loading

    def reload(self, keep_cursor: bool = False) -> None:
        if self.reloaded:  # only the first load may use what the start-up process read
            self.rcv.forget_prefetched()
        self.reloaded = True
        self.table.reload(keep_cursor)
        self.load_totals(self.filter)

    @work(thread=True, exclusive=True, group="totals", exit_on_error=False)
    def load_totals(self, flt: DossierFilter) -> None:
        totals = self.rcv.prefetched("totals") if flt == FIRST_FILTER else None
        if totals is None:
            from engine.reads.dossier_list import dossier_totals

            totals = self.call_engine(lambda ctx: dossier_totals(ctx.session, flt, ctx.today))
        if totals is None:
            return
        text = _("{dossiers} dossiers · balance {balance} · {due} actions due today").format(
            dossiers=totals["dossiers"],
            balance=fmt.money(totals["balance"]),
            due=totals["due_today"],
        )
        self.rcv.call_from_thread(self.show_totals, flt, text)

    def show_totals(self, flt: DossierFilter, text: str) -> None:
        if flt == self.filter:  # not totals counted for a filter changed since
            self.query_one("#totals", Static).update(text)

    def set_filter(self, **changes: Any) -> None:
        from dataclasses import replace

        self.filter = replace(self.filter, **changes)
        self.refresh_flags()
        self.reload()

    def refresh_flags(self) -> None:
        flags = []
        if self.filter.agent:
            flags.append(_("mine"))
        if self.filter.status:
            flags.append(_(self.filter.status))
        self.query_one("#flags", Static).update(" · ".join(flags))
        self.show_sort()

    # -- keys

    def action_mine(self) -> None:
        self.set_filter(agent=None if self.filter.agent else self.rcv.backend.login)

    def action_status(self) -> None:
        index = (STATUSES.index(self.filter.status) + 1) % len(STATUSES)
        self.set_filter(status=STATUSES[index])

    def action_new(self) -> None:
        from tui.screens.new_dossier import NewDossierScreen

        self.app.push_screen(NewDossierScreen(), callback=self._opened)

    def _opened(self, number: str | None) -> None:
        if number:
            self.reload()
            self.open_dossier(number)

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.open_dossier(event.row["number"])

    def open_dossier(self, number: str) -> None:
        from tui.screens.dossier_detail import open_dossier

        open_dossier(self.rcv, number, callback=lambda _r: self.reload(True))
