"""The aged balance (mode `6`): each customer's open amounts by days past due on the
business day, read from SQL a screenful at a time; the totals and the DSO; two charts (the
buckets, and the total overdue over time from the daily snapshots), shown or hidden with
`c`. Enter opens the customer. The rules are engine.reads.aging; the same as a command:
recouvrement aging."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static
from textual_plotext import PlotextPlot

from engine.context import Ctx
from engine.i18n import N_, _, ngettext
from engine.inert import inert
from engine.reads.aging import (
    DEFAULT_EDGES,
    AgingFilter,
    AgingRow,
    aging_count,
    aging_totals,
    aging_window,
    bucket_keys,
    snapshot_series,
)
from tui import format as fmt
from tui.screens.base import FilteredListScreen
from tui.widgets.columns import Column, Row, amount_column, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, TableBody

NOT_DUE = "not_due"


def bucket_title(key: str) -> str:
    return _("Not due") if key == NOT_DUE else key


def columns(width: int, keys: list[str]) -> list[Column]:
    """Code and name give way; the amounts are never cut. Where even that is not enough
    (80 columns), the "not due" bucket goes first: what is late matters more here."""
    return fit(
        [
            Column("code", _("Code"), 12, sort="code", rank=1),
            Column("name", _("Name"), 12, sort="name", flex=True, rank=2),
            amount_column("total", _("Total"), 12, sort="total"),
            *[
                amount_column(f"b{i}", bucket_title(key), 11, sort=key, rank=3 if i == 0 else 0)
                for i, key in enumerate(keys)
            ],
        ],
        width,
        10,
    )


def _shown(row: AgingRow) -> Row:
    return {
        "code": row.code,
        "name": row.name,
        "total": row.total,
        **{f"b{i}": amount for i, amount in enumerate(row.buckets)},
    }


class AgingSource:
    """Rows for the table, for the filter in force (called from worker threads)."""

    def __init__(self, screen: AgingScreen) -> None:
        self.screen = screen

    def count(self) -> int:
        flt = self.screen.filter
        return self.screen.rcv.backend.read(
            lambda ctx: aging_count(ctx.session, ctx.today, ctx.settings.aging_buckets, flt)
        )

    def fetch(self, offset: int, limit: int) -> list[Row]:
        flt = self.screen.filter
        rows = self.screen.rcv.backend.read(
            lambda ctx: aging_window(
                ctx.session, ctx.today, ctx.settings.aging_buckets, flt, offset, limit
            )
        )
        return [_shown(row) for row in rows]


def read_totals(ctx: Ctx, flt: AgingFilter) -> Row:
    edges = ctx.settings.aging_buckets
    return {
        "totals": aging_totals(ctx.session, ctx.today, edges, flt),
        "series": snapshot_series(ctx.session, ctx.today),
        "currency": ctx.settings.currency,
    }


class AgingScreen(FilteredListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", N_("Filter"), id="aging.filter"),
        Binding("escape", "clear", N_("Clear"), show=False, id="aging.clear"),
        Binding("o", "sort", N_("Sort"), id="aging.sort"),
        Binding("r", "reverse", N_("Reverse"), show=False, id="aging.reverse"),
        Binding("c", "charts", N_("Charts"), id="aging.charts"),
    ]
    HELP = N_(
        "Each customer's open amounts by days past the due date on the business day: not "
        "due, then the buckets of the aging_buckets setting. An entry without a due date (a "
        "payment, a credit note) counts from its own date. DSO = receivables ÷ sales of the "
        "last 90 days × 90. The second chart is the total overdue kept by each daily pass. "
        "Enter opens the customer. As a command: recouvrement aging."
    )
    DEFAULT_CSS = """
    AgingScreen #aging { height: 1fr; }
    AgingScreen #charts { height: 12; }
    AgingScreen #charts.hidden { display: none; }
    AgingScreen #charts PlotextPlot { width: 1fr; height: 100%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter = AgingFilter()
        self.keys = bucket_keys(DEFAULT_EDGES)
        self.width = 80
        self.table = LazyTable(columns(80, self.keys), AgingSource(self), id="aging")
        self.totals: Row | None = None

    def columns(self, width: int) -> list[Column]:
        self.width = width
        return columns(width, self.keys)

    def compose(self) -> ComposeResult:
        yield from self.list_top(_("/ filter: customer code or name"))
        yield self.table
        with Horizontal(id="charts"):
            yield PlotextPlot(id="buckets-chart")
            yield PlotextPlot(id="overdue-chart")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Aged balance")
        self.table.body.focus()
        self.show_sort()
        self.table.reload(False)
        self.load_totals()

    def refresh_view(self) -> None:
        if self.table.body.loaded:
            self.table.reload(True)
        self.load_totals()

    def set_filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.show_sort()
        self.table.reload(False)
        if "text" in changes:
            self.load_totals()

    @work(thread=True, exclusive=True, group="aging-totals", exit_on_error=False)
    def load_totals(self) -> None:
        flt = self.filter
        data = self.call_engine(lambda ctx: read_totals(ctx, flt))
        if data is not None:
            self.rcv.call_from_thread(self.show_totals, data)

    def show_totals(self, data: Row) -> None:
        self.totals = data
        totals = data["totals"]
        if totals.keys != self.keys:  # the buckets are a setting: the columns follow it
            self.keys = totals.keys
            self.table.set_columns(
                columns(self.width, self.keys), self.filter.sort, self.filter.descending
            )
            self.table.reload(True)
        total = totals.total
        overdue = total.total - total.buckets[0]
        n = totals.customers
        parts = [
            ngettext("{n} customer", "{n} customers", n).format(n=n),
            _("total {amount}").format(amount=fmt.money(total.total, data["currency"])),
            _("overdue {amount}").format(amount=fmt.money(overdue, data["currency"])),
            _("DSO {days} days").format(days=totals.dso)
            if totals.dso is not None
            else _("DSO: no sales"),
        ]
        self.query_one("#totals", Static).update(inert(" · ".join(parts)))
        self.draw_charts()

    def draw_charts(self) -> None:
        if self.totals is None:
            return
        totals = self.totals["totals"]
        series = self.totals["series"]
        bars = self.query_one("#buckets-chart", PlotextPlot)
        plt = bars.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(_("Open amounts by days past due"))
        labels = [bucket_title(k) for k in totals.keys]
        plt.bar(labels, [float(v) for v in totals.total.buckets])  # drawn, never summed
        bars.refresh()
        curve = self.query_one("#overdue-chart", PlotextPlot)
        plt = curve.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(_("Total overdue over time"))
        if series:
            plt.date_form("Y-m-d")
            days = [p.day.isoformat() for p in series]
            plt.plot(days, [float(p.overdue) for p in series], marker="braille")
        curve.refresh()

    def action_charts(self) -> None:
        self.query_one("#charts").toggle_class("hidden")

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.rcv.open_customer(event.row["code"])
