"""Customers: what each owes and how much of it is overdue, read from SQL a screenful at a
time; a customer's detail (open entries, contacts, dossiers); a new dossier from either."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from engine.i18n import N_, _, ngettext, pgettext
from engine.inert import inert
from engine.reads.customer_list import (
    CustomerFilter,
    customer_count,
    customer_detail,
    customer_window,
)
from tui import format as fmt
from tui.screens.base import BaseScreen, FilteredListScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row, TableBody

if TYPE_CHECKING:
    from engine.context import Ctx


def _money(value: Any) -> str:
    return fmt.money(value, symbol=False)


# Entry kinds are stored in English and shown translated; written out so that the catalog
# extraction finds them (and looked up when shown, in the language chosen at start-up).
KINDS: dict[str, Callable[[], str]] = {
    "invoice": lambda: pgettext("kind", "invoice"),
    "credit_note": lambda: pgettext("kind", "credit_note"),
    "deposit": lambda: pgettext("kind", "deposit"),
    "payment": lambda: pgettext("kind", "payment"),
    "fee": lambda: pgettext("kind", "fee"),
    "penalty": lambda: pgettext("kind", "penalty"),
    "indemnity": lambda: pgettext("kind", "indemnity"),
}


def kind_label(kind: str) -> str:
    word = KINDS.get(kind)
    return word() if word else kind


def columns(width: int) -> list[Column]:
    """The name takes the room the amounts leave (17 characters at 80 columns)."""
    fixed = [
        Column("outstanding", pgettext("column", "Outstanding"), 13, True, _money, "outstanding"),
        Column("overdue", pgettext("column", "Overdue"), 13, True, _money, "overdue"),
        Column("risk", pgettext("column", "Risk"), 11, sort="risk"),
        Column("open_dossier", pgettext("column", "Dossier"), 7),
    ]
    code = Column("code", _("Code"), 12, sort="code")
    used = sum(c.width + 1 for c in [code, *fixed]) + 2  # separators, scrollbar
    name = Column("name", _("Name"), max(width - used, 12), sort="name")
    return [code, name, *fixed]


def open_dossier_detail(screen: Screen[Any], number: str) -> None:
    """Show a dossier (the Dossiers mode's detail screen, pushed on this mode's stack)."""
    from tui.screens.dossier_detail import open_dossier

    open_dossier(screen.app, number)  # type: ignore[arg-type]


class CustomerSource:
    """Rows for the table, for the filter in force (called from worker threads)."""

    def __init__(self, screen: CustomersScreen) -> None:
        self.screen = screen

    def count(self) -> int:
        flt = self.screen.filter
        return self.screen.rcv.backend.read(lambda ctx: customer_count(ctx.session, flt, ctx.today))

    def fetch(self, offset: int, limit: int) -> list[Row]:
        flt = self.screen.filter
        rows = self.screen.rcv.backend.read(
            lambda ctx: customer_window(ctx.session, flt, offset, limit, ctx.today)
        )
        return [dict(row) for row in rows]  # typed rows, plain dicts for the table


class CustomersScreen(FilteredListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", N_("Filter"), id="customers.filter"),
        Binding("escape", "clear", N_("Clear"), show=False, id="customers.clear"),
        Binding("f", "overdue", N_("Overdue only"), id="customers.overdue"),
        Binding("o", "sort", N_("Sort"), id="customers.sort"),
        Binding("r", "reverse", N_("Reverse"), show=False, id="customers.reverse"),
        Binding("n", "new", N_("New dossier"), id="customers.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = CustomerFilter()
        self.table = LazyTable(columns(80), CustomerSource(self), id="customers")

    def columns(self, width: int) -> list[Column]:
        return columns(width)

    def compose(self) -> ComposeResult:
        yield from self.list_top(_("/ filter: customer code or name"))
        yield self.table
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Customers")
        self.table.body.focus()
        self.refresh_flags()
        self.table.reload(False)

    def on_screen_resume(self) -> None:
        # Back from a detail or a new dossier: the amounts or the open dossier may have moved.
        if self.table.body.loaded:
            self.table.reload(True)

    # -- state

    def set_filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.refresh_flags()
        self.table.reload(False)

    def refresh_flags(self) -> None:
        self.query_one("#flags", Static).update(
            _("overdue only") if self.filter.only_overdue else ""
        )
        self.show_sort()

    @on(TableBody.Loaded)
    def show_count(self, event: TableBody.Loaded) -> None:
        text = ngettext("{n} customer", "{n} customers", event.count).format(n=event.count)
        self.query_one("#totals", Static).update(text)

    # -- keys

    def action_overdue(self) -> None:
        self.set_filter(only_overdue=not self.filter.only_overdue)

    def action_new(self) -> None:
        from tui.screens.new_dossier import NewDossierScreen

        row = self.table.body.current
        code = row["code"] if row else None
        self.app.push_screen(NewDossierScreen(code), callback=self._opened)

    def _opened(self, number: str | None) -> None:
        if number:
            open_dossier_detail(self, number)

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.app.push_screen(CustomerDetailScreen(event.row["code"]))


class CustomerDetailScreen(BaseScreen):
    """One customer: every field, then its open entries, contacts and dossiers in tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="customer.back"),
        Binding("n", "new", N_("New dossier"), id="customer.new"),
        Binding("e", "edit", N_("Edit customer"), id="customer.edit"),
        Binding("x", "exclude", N_("Exclude / include"), id="customer.exclude"),
        Binding("left_square_bracket", "tab(-1)", N_("Previous tab"), id="customer.previous_tab"),
        Binding("right_square_bracket", "tab(1)", N_("Next tab"), id="customer.next_tab"),
    ]
    DEFAULT_CSS = """
    CustomerDetailScreen #summary { height: auto; padding: 0 1; background: $panel; }
    CustomerDetailScreen TabbedContent { height: 1fr; }
    CustomerDetailScreen DataTable { height: 1fr; }
    """
    TABS = ("entries", "contacts", "dossiers")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.detail: Row | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="summary", markup=False)
        with TabbedContent(id="tabs"):
            with TabPane(_("Open entries"), id="entries"):
                yield DataTable(id="entries-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Contacts"), id="contacts"):
                yield DataTable(id="contacts-table", cursor_type="row")
            with TabPane(_("Dossiers"), id="dossiers"):
                yield DataTable(id="dossiers-table", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Customer {code}").format(code=self.code)
        entries = self.query_one("#entries-table", DataTable)
        entries.add_columns(
            _("Due date"),
            pgettext("column", "Late"),
            _("Piece"),
            _("Invoice"),
            _("Label"),
            _("Kind"),
            pgettext("column", "Open amount"),
            pgettext("column", "Excluded"),
        )
        self.query_one("#contacts-table", DataTable).add_columns(
            _("Name"), _("Role"), _("Email"), _("Phone")
        )
        self.query_one("#dossiers-table", DataTable).add_columns(
            _("Number"), _("Status"), _("Opened"), pgettext("column", "agent"), _("Balance")
        )
        entries.focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.detail is not None:
            self.load()  # a dossier opened or changed meanwhile

    @work(thread=True, exclusive=True, group="customer", exit_on_error=False)
    def load(self) -> None:
        code = self.code
        detail = self.call_engine(lambda ctx: customer_detail(ctx.session, code, ctx.today))
        if detail is not None:
            self.rcv.call_from_thread(self.show, detail)

    def show(self, detail: Row) -> None:
        self.detail = detail
        # DataTable reads a str cell as markup: data goes in as inert Text, shown literally.
        cell = _cell
        self.query_one("#summary", Static).update(summary_text(detail))
        entries = self.query_one("#entries-table", DataTable)
        at = entries.cursor_row  # kept across a reload (an entry excluded, a dossier opened)
        entries.clear()
        for e in detail["open_entries"]:
            entries.add_row(
                fmt.date(e["due_date"]),
                "" if e["days_late"] is None else str(e["days_late"]),
                cell(e["piece"]),
                cell(e["invoice"]),
                cell(e["label"]),
                cell(kind_label(e["kind"])),
                _money(e["open_amount"]),
                _("yes") if e["excluded"] else "",
                key=str(e["id"]),
            )
        if detail["open_entries"]:
            entries.move_cursor(row=min(max(at, 0), len(detail["open_entries"]) - 1))
        contacts = self.query_one("#contacts-table", DataTable)
        contacts.clear()
        for c in detail["contacts"]:
            contacts.add_row(
                cell(c["name"]),
                cell(c["role"]),
                cell(c["email"]),
                cell(c["phone"]),
                key=str(c["id"]),
            )
        dossiers = self.query_one("#dossiers-table", DataTable)
        dossiers.clear()
        for d in detail["dossiers"]:
            dossiers.add_row(
                d["number"],
                _(d["status"]),
                fmt.date(d["created"]),
                cell(d["agent"]),
                _money(d["balance"]),
                key=d["number"],
            )
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("entries").label = _("Open entries ({n})").format(
            n=len(detail["open_entries"])
        )
        tabs.get_tab("contacts").label = _("Contacts ({n})").format(n=len(detail["contacts"]))
        tabs.get_tab("dossiers").label = _("Dossiers ({n})").format(n=len(detail["dossiers"]))
        self.refresh_bindings()

    # -- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "exclude":  # the entry under the cursor: on the Open entries tab only
            tabs = self.query(TabbedContent)
            return bool(tabs) and tabs.first().active == "entries" and self.entry() is not None
        return True

    @on(TabbedContent.TabActivated, "#tabs")
    def offer_exclude(self) -> None:
        self.refresh_bindings()

    def entry(self) -> Row | None:
        """The open entry under the cursor (engine dict with ``id`` and ``excluded``)."""
        if self.detail is None:
            return None
        rows = self.detail["open_entries"]
        index = self.query_one("#entries-table", DataTable).cursor_row
        return rows[index] if 0 <= index < len(rows) else None

    def action_exclude(self) -> None:
        """Exclude the entry under the cursor from reminders and new dossiers (a disputed
        invoice), or bring it back: the same change as on a dossier's Entries tab."""
        from tui.screens.dossier_changes import toggle_exclusion

        entry = self.entry()
        if entry is not None and self.check_action("exclude", ()):
            toggle_exclusion(entry, self.run_change)

    @work(thread=True, group="customer-change", exit_on_error=False)
    def run_change(self, change: Callable[[Ctx], Any], done: str) -> None:
        """The engine decides (a refusal shows its message); the detail reloads either way."""
        self.call_engine(change, write=True, done=done)
        self.rcv.call_from_thread(self.load)

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        index = (self.TABS.index(tabs.active) + delta) % len(self.TABS) if tabs.active else 0
        tabs.active = self.TABS[index]
        self.query_one(f"#{self.TABS[index]}-table", DataTable).focus()

    def action_new(self) -> None:
        from tui.screens.new_dossier import NewDossierScreen

        self.app.push_screen(NewDossierScreen(self.code), callback=self._opened)

    def _opened(self, number: str | None) -> None:
        if number:
            open_dossier_detail(self, number)

    def action_edit(self) -> None:
        """Name, identity, consumer, reminders, note: the form saves itself and stays open
        on a refusal (a bad SIREN, someone else's save since the detail was read)."""
        from tui.screens.customer_form import CustomerForm

        if self.detail is None:
            return
        code = self.code

        def saved(_changed: bool) -> None:
            self.notify(_("Customer {code} saved.").format(code=code))
            self.load()

        self.ask(CustomerForm(self.detail), saved)

    @on(DataTable.RowSelected, "#dossiers-table")
    def dossier_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            open_dossier_detail(self, event.row_key.value)


def _cell(value: object) -> Text:
    return Text(inert(value))


def summary_text(c: Row) -> str:
    """Every customer field, label: value, a few to a line (fits 80 columns for usual data);
    values from data shown inert."""

    def pair(label: str, value: str) -> str:
        return _("{label}: {value}").format(label=label, value=inert(value) or "—")

    def yes_no(flag: bool) -> str:
        return _("yes") if flag else _("no")

    days = ngettext("{n} day", "{n} days", c["payment_terms_days"]).format(
        n=c["payment_terms_days"]
    )
    lines = [
        f"{inert(c['code'])} · {inert(c['name'])}",
        pair(_("Address"), c["address"]),
        " · ".join(
            [
                pair(_("SIREN"), c["siren"]),
                pair(_("Email"), c["email"]),
                pair(_("Phone"), c["phone"]),
            ]
        ),
        " · ".join(
            [
                pair(_("Payment terms"), days),
                pair(_("Risk"), c["risk_code"] or ""),
                pair(_("Consumer"), yes_no(c["consumer"])),
            ]
        ),
        " · ".join(
            [
                pair(pgettext("column", "Outstanding"), fmt.money(c["outstanding"])),
                pair(pgettext("column", "Overdue"), fmt.money(c["overdue"])),
                pair(_("No reminders"), yes_no(c["excluded_from_reminders"])),
            ]
        ),
    ]
    if c.get("note"):
        lines.append(pair(_("Note"), c["note"]))
    return "\n".join(lines)
