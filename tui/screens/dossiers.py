"""Dossiers (home): every dossier, filtered as you type, sorted by any column, read from SQL
a screenful at a time."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from engine.i18n import N_, _, ngettext, pgettext
from engine.reads.filters import DossierFilter
from tui import format as fmt
from tui import labels
from tui.screens.base import FilteredListScreen
from tui.startup.first_screen import FIRST_FILTER
from tui.startup.messages import FirstCount, FirstRows, FirstTotals
from tui.widgets.columns import Column, Row, amount_column, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, TableBody

STATUSES = (None, "open", "paused", "closed")


def columns(width: int) -> list[Column]:
    """What fits: 80 columns show the essentials, 110 and more everything; the name and step
    columns take the room left (tui.widgets.columns: the balance is never cut)."""
    wide = width >= 110
    status_width = labels.widest(labels.DOSSIER_STATUSES)
    cols = [
        Column("number", _("Number"), 7, sort="number"),
        Column("customer", _("Customer"), 10, sort="customer"),
    ]
    if wide:
        cols += [
            Column("customer_name", _("Name"), 12, sort="name", flex=True),
            Column("agent", pgettext("column", "Agent"), 9, sort="agent", rank=2),
            Column("scenario", _("Scenario"), 13, sort="scenario", rank=2),
        ]
    cols += [
        Column("step", _("Step"), 12, sort="step", flex=True),
        Column("next_action", _("Next"), 10, show=fmt.date, sort="next_action"),
        Column("days_late", _("Late"), 6, right=True, sort="late"),
        amount_column("balance", _("Balance"), sort="balance"),
        Column("status", _("Status"), status_width, show=labels.status_label, sort="status"),
    ]
    return fit(cols, width, 12)


def totals_text(totals: Row) -> str:
    """The line above the list: ``1 dossier · balance 80.50 € · 1 action due today``."""
    count, due = int(totals["dossiers"]), int(totals["due_today"])
    dossiers = ngettext("{n} dossier", "{n} dossiers", count).format(n=fmt.number(count))
    actions = ngettext("{n} action due today", "{n} actions due today", due).format(
        n=fmt.number(due)
    )
    balance = _("balance {amount}").format(amount=fmt.money(totals["balance"]))
    return " · ".join([dossiers, balance, actions])


class DossierSource:
    """Rows for the table, for the filter in force (called from worker threads)."""

    def __init__(self, screen: DossiersScreen) -> None:
        self.screen = screen

    # The database layer is imported by the first read, after the first paint.

    def count(self) -> int:
        flt = self.screen.filter
        if flt == FIRST_FILTER:
            first = self.screen.rcv.prefetched(FirstCount)
            if first is not None:
                return first.count
        from engine.reads.dossier_list import dossier_count

        return self.screen.rcv.backend.read(lambda ctx: dossier_count(ctx.session, flt))

    def ready(self, limit: int) -> list[Row] | None:
        """The first rows, when the start-up process has sent them already (UI thread)."""
        if self.screen.filter != FIRST_FILTER:
            return None
        first_rows = self.screen.rcv.prefetched_now(FirstRows)
        return first_rows.rows[:limit] if first_rows is not None else None

    def fetch(self, offset: int, limit: int) -> list[Row]:
        flt = self.screen.filter
        if offset == 0 and flt == FIRST_FILTER:
            first_rows = self.screen.rcv.prefetched(FirstRows)
            if first_rows is not None:
                return first_rows.rows[:limit]
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
        self.totals_for: DossierFilter | None = None
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
        # The totals wait for the rows and their count: counted at once, they would share
        # the processor with the read of the rows the user is waiting for.
        self.totals_for = self.filter

    @on(TableBody.Loaded)
    def rows_shown(self, _event: TableBody.Loaded) -> None:
        flt, self.totals_for = self.totals_for, None
        if flt is not None:
            self.load_totals(flt)

    @work(thread=True, exclusive=True, group="totals", exit_on_error=False)
    def load_totals(self, flt: DossierFilter) -> None:
        first = self.rcv.prefetched(FirstTotals) if flt == FIRST_FILTER else None
        totals = first.totals if first is not None else None
        if totals is None:
            from engine.reads.dossier_list import dossier_totals

            totals = self.call_engine(lambda ctx: dict(dossier_totals(ctx.session, flt, ctx.today)))
        if totals is None:
            return
        text = totals_text(totals)
        self.rcv.call_from_thread(self.show_totals, flt, text)

    def show_totals(self, flt: DossierFilter, text: str) -> None:
        if flt == self.filter:  # not totals counted for a filter changed since
            self.query_one("#totals", Static).update(text, layout=False)  # one line, always

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
            flags.append(labels.status_label(self.filter.status))
        self.query_one("#flags", Static).update(" · ".join(flags))
        self.show_sort()

    # -- keys

    def action_mine(self) -> None:
        self.set_filter(agent=None if self.filter.agent else self.rcv.backend.login)

    def action_status(self) -> None:
        index = (STATUSES.index(self.filter.status) + 1) % len(STATUSES)
        self.set_filter(status=STATUSES[index])

    def refresh_view(self) -> None:
        # Back from a dossier (opened here or from the palette) or another mode: its rows,
        # totals and "due today" count as they are now.
        if self.reloaded:
            self.reload(keep_cursor=True)

    def action_new(self) -> None:
        self.rcv.new_dossier()

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.rcv.open_dossier(event.row["number"])
