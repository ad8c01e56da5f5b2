"""Customers: what each owes and how much of it is overdue, read from SQL a screenful at a
time; a customer's detail (open entries, contacts, dossiers); a new dossier from either."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import Static, TabbedContent, TabPane

from engine.i18n import N_, _, ngettext, pgettext
from engine.inert import inert
from engine.reads.customer_list import (
    CustomerFilter,
    customer_count,
    customer_detail,
    customer_window,
)
from tui import format as fmt
from tui import labels
from tui.changes import Changes, allowed
from tui.screens.base import BaseScreen, FilteredListScreen
from tui.widgets.columns import Column, Row, amount_column, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody
from tui.widgets.title_bar import TitleBar


def columns(width: int) -> list[Column]:
    """The name takes the room the amounts leave (tui.widgets.columns: amounts never cut)."""
    return fit(
        [
            Column("code", _("Code"), 12, sort="code"),
            Column("name", _("Name"), 12, sort="name", flex=True),
            amount_column("outstanding", pgettext("column", "Outstanding"), sort="outstanding"),
            amount_column("overdue", pgettext("column", "Overdue"), sort="overdue"),
            Column("risk", pgettext("column", "Risk"), 11, sort="risk", rank=2),
            Column("open_dossier", pgettext("column", "Dossier"), 7, rank=2),
        ],
        width,
        12,
    )


def _late(days: Any) -> str:
    return "" if days is None else str(days)


def _yes(flag: Any) -> str:
    return _("yes") if flag else ""


def entry_columns(width: int, marking: bool = False) -> list[Column]:
    """A customer's open entries: the amount and the due date stay, the label gives way."""
    return fit(
        [
            # Space marks entries to letter (L): a column while some are marked.
            *([Column("mark", "", 1)] if marking else []),
            Column("due_date", _("Due date"), 10, show=fmt.date, rank=1),
            Column("days_late", pgettext("column", "Late"), 5, right=True, show=_late, rank=1),
            Column("piece", _("Piece"), 12, rank=1),
            Column("invoice", _("Invoice"), 12, rank=3),
            Column("label", _("Label"), 12, flex=True),
            Column("kind", _("Kind"), labels.widest(labels.KINDS), show=labels.kind_label, rank=2),
            Column("lettering", _("Let."), 4, rank=3),
            amount_column("open_amount", pgettext("column", "Open amount")),
            Column("excluded", pgettext("column", "Excluded"), 3, show=_yes, rank=1),
        ],
        width,
        12,
    )


def contact_columns(width: int) -> list[Column]:
    return fit(
        [
            Column("name", _("Name"), 12, flex=True),
            Column("role", _("Role"), 16, rank=2),
            Column("email", _("Email"), 26, rank=3),
            Column("phone", _("Phone"), 14, rank=1),
        ],
        width,
        12,
    )


def dossier_columns(width: int) -> list[Column]:
    return fit(
        [
            Column("number", _("Number"), 7, rank=1),
            Column(
                "status",
                _("Status"),
                labels.widest(labels.DOSSIER_STATUSES),
                show=labels.status_label,
                rank=1,
            ),
            Column("created", _("Opened"), 10, show=fmt.date, rank=2),
            Column("agent", pgettext("column", "Agent"), 12, flex=True),
            amount_column("balance", _("Balance")),
        ],
        width,
        9,
    )


DETAIL_COLUMNS: dict[str, Callable[[int], list[Column]]] = {
    "entries": entry_columns,
    "contacts": contact_columns,
    "dossiers": dossier_columns,
}


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

    def refresh_view(self) -> None:
        # Back from a detail or another mode: the amounts or the open dossier may have moved.
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
        row = self.table.body.current
        self.rcv.new_dossier(row["code"] if row else None)

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.rcv.open_customer(event.row["code"])


class CustomerDetailScreen(BaseScreen):
    """One customer: every field, then its open entries, contacts and dossiers in tabs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="customer.back"),
        Binding("n", "new", N_("New dossier"), id="customer.new"),
        Binding("e", "edit", N_("Edit customer"), id="customer.edit"),
        Binding("x", "exclude", N_("Exclude / include"), id="customer.exclude"),
        Binding("space", "mark_entry", N_("Mark"), id="customer.mark_entry"),
        Binding("L", "letter_marked", N_("Letter marked"), id="customer.letter_marked"),
        Binding("U", "unletter", N_("Unletter"), id="customer.unletter"),
        Binding("S", "suggest_lettering", N_("Suggest lettering"), id="customer.suggest_lettering"),
        Binding("s", "statement", N_("Statement"), id="customer.statement"),
        # On the Contacts tab (check_action): `e` and `x` act on the contact there.
        Binding("a", "add_contact", N_("Add contact"), id="customer.add_contact"),
        Binding("e", "edit_contact", N_("Edit contact"), id="customer.edit_contact"),
        Binding("x", "remove_contact", N_("Remove contact"), id="customer.remove_contact"),
        Binding("left_square_bracket", "tab(-1)", N_("Previous tab"), id="customer.previous_tab"),
        Binding("right_square_bracket", "tab(1)", N_("Next tab"), id="customer.next_tab"),
    ]
    DEFAULT_CSS = """
    CustomerDetailScreen #summary { height: auto; padding: 0 1; background: $panel; }
    CustomerDetailScreen TabbedContent { height: 1fr; }
    CustomerDetailScreen TabPane { padding: 0; height: 1fr; }
    CustomerDetailScreen ContentSwitcher { height: 1fr; }
    """
    TABS = ("entries", "contacts", "dossiers")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.detail: Row | None = None
        self.marked: set[int] = set()  # open entries marked with Space, to letter together
        self.width = 120
        self.sources = {key: ListSource() for key in self.TABS}
        self.tables = {
            key: LazyTable(DETAIL_COLUMNS[key](120), self.sources[key], id=f"{key}-table")
            for key in self.TABS
        }

    def compose(self) -> ComposeResult:
        titles = {
            "entries": _("Open entries"),
            "contacts": _("Contacts"),
            "dossiers": _("Dossiers"),
        }
        yield TitleBar()
        yield Static(_("Loading…"), id="summary", markup=False)
        with TabbedContent(id="tabs"):
            for key in self.TABS:
                with TabPane(titles[key], id=key):
                    yield self.tables[key]
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Customer {code}").format(code=self.code)
        self.tables["entries"].body.focus()
        self.load()

    def on_resize(self, event: Resize) -> None:
        self.width = event.size.width
        for key, table in self.tables.items():
            table.set_columns(DETAIL_COLUMNS[key](self.width))
        self.fit_entries()

    def fit_entries(self) -> None:
        """The entries' columns: with the mark column while entries are marked."""
        self.tables["entries"].set_columns(entry_columns(self.width, bool(self.marked)))

    def refresh_view(self) -> None:
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
        self.query_one("#summary", Static).update(summary_text(detail))
        # The cursors stay where they were across a reload (an entry excluded, a dossier
        # opened); cells are drawn inert (tui.widgets.columns).
        for key, rows in (
            ("entries", self.entry_rows(detail)),
            ("contacts", detail["contacts"]),
            ("dossiers", detail["dossiers"]),
        ):
            self.sources[key].rows = rows
            self.tables[key].show_rows(rows)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("entries").label = _("Open entries ({n})").format(
            n=len(detail["open_entries"])
        )
        tabs.get_tab("contacts").label = _("Contacts ({n})").format(n=len(detail["contacts"]))
        tabs.get_tab("dossiers").label = _("Dossiers ({n})").format(n=len(detail["dossiers"]))
        self.refresh_bindings()

    # -- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tabs = self.query(TabbedContent)
        active = tabs.first().active if tabs else None
        if action == "exclude":  # the entry under the cursor: on the Open entries tab only
            return active == "entries" and self.entry() is not None
        if action in ("mark_entry", "letter_marked", "unletter"):  # lettering, the same tab
            if active != "entries" or self.entry() is None:
                return False
            return allowed(self.rcv.backend.actor, action, None)
        if action == "suggest_lettering":  # the customer's, from its Open entries tab
            if active != "entries" or self.detail is None:
                return False
            return allowed(self.rcv.backend.actor, action, None)
        if action == "edit":  # on the Contacts tab `e` changes the contact instead
            return active != "contacts" or self.contact() is None
        if action == "add_contact":
            return active == "contacts" and self.detail is not None
        if action in ("edit_contact", "remove_contact"):
            return active == "contacts" and self.contact() is not None
        return True

    def action_statement(self) -> None:
        """The customer's statement on the business day, to read, print or e-mail."""
        if self.detail is not None:
            self.load_statement()

    @work(thread=True, exclusive=True, group="statement", exit_on_error=False)
    def load_statement(self) -> None:
        from engine.documents.customer_letters import statement

        code = self.code
        made = self.call_engine(lambda ctx: (statement(ctx, code), ctx.actor.can_write))
        if made is not None:
            self.rcv.call_from_thread(self.show_statement, *made)

    def show_statement(self, made: Any, writer: bool) -> None:
        from engine.documents.plain import letter_text
        from tui.screens.statement_view import StatementModal

        # As wide as the terminal allows (up to 110): a statement's table has 7 columns.
        width = max(78, min(110, self.app.size.width - 6))
        text = letter_text(made.letter, width) if width > 78 else made.text
        self.rcv.push_screen(StatementModal(made.code, text, made.recipient, writer))

    def contact(self) -> Row | None:
        """The contact under the cursor on the Contacts tab."""
        if self.detail is None:
            return None
        return self.tables["contacts"].body.current

    def action_add_contact(self) -> None:
        from tui.screens.contact_form import ContactForm

        if self.detail is None:
            return

        def saved(row: Row) -> None:
            self.notify(_("Contact {name} added.").format(name=inert(row["name"])))
            self.load()

        self.ask(ContactForm(self.code), saved)

    def action_edit_contact(self) -> None:
        from tui.screens.contact_form import ContactForm

        contact = self.contact()
        if contact is None:
            return

        def saved(row: Row) -> None:
            self.notify(_("Contact {name} saved.").format(name=inert(row["name"])))
            self.load()

        self.ask(ContactForm(self.code, contact), saved)

    def action_remove_contact(self) -> None:
        from tui.screens.forms import ConfirmForm

        contact = self.contact()
        if contact is None:
            return
        question = _("Remove the contact {name}?").format(name=contact["name"])

        def answered(yes: bool) -> None:
            if yes:
                self.remove_contact(contact)

        self.ask(ConfirmForm(question), answered)

    @work(thread=True, exclusive=True, group="customer-contact", exit_on_error=False)
    def remove_contact(self, contact: Row) -> None:
        from engine.contacts import remove_contact

        ident, version = contact["id"], contact["version"]
        result = self.call_engine(lambda ctx: remove_contact(ctx, ident, version), write=True)
        if result is not None:
            self.rcv.call_from_thread(self.contact_removed, result)

    def contact_removed(self, result: Any) -> None:
        text = _("Contact {name} removed.").format(name=inert(result["name"]))
        if result["main_of"]:
            text += " " + _("It was the main contact of {dossiers}: they now have none.").format(
                dossiers=", ".join(result["main_of"])
            )
        self.notify(text)
        self.load()

    @on(TabbedContent.TabActivated, "#tabs")
    def offer_exclude(self) -> None:
        self.refresh_bindings()

    @on(TableBody.Highlighted)
    def offer_contact_keys(self) -> None:
        self.refresh_bindings()

    def entry(self) -> Row | None:
        """The open entry under the cursor (engine dict with ``id`` and ``excluded``)."""
        if self.detail is None:
            return None
        return self.tables["entries"].body.current

    def action_exclude(self) -> None:
        """Exclude the entry under the cursor from reminders and new dossiers (a disputed
        invoice), or bring it back: the same change as on a dossier's Entries tab."""
        entry = self.entry()
        if entry is not None and self.check_action("exclude", ()):
            Changes(self, self.load).exclude(entry)

    def entry_rows(self, detail: Row) -> list[Row]:
        present = {row["id"] for row in detail["open_entries"]}
        if self.marked - present:  # an entry no longer open cannot be lettered from here
            self.marked &= present
            self.fit_entries()
        return [
            {**row, "mark": "*" if row["id"] in self.marked else ""}
            for row in detail["open_entries"]
        ]

    def action_mark_entry(self) -> None:
        """Mark the open entry under the cursor to letter (or unmark it)."""
        entry = self.entry()
        if entry is None or self.detail is None:
            return
        self.marked ^= {entry["id"]}
        self.fit_entries()
        rows = self.entry_rows(self.detail)
        self.sources["entries"].rows = rows
        self.tables["entries"].show_rows(rows)

    def action_letter_marked(self) -> None:
        """Letter the marked entries together, after a confirmation (code, left open)."""
        if self.detail is None:
            return
        if len(self.marked) < 2:
            self.notify(_("Mark two entries or more with Space first."), severity="warning")
            return
        Changes(self, self.load).letter(sorted(self.marked), self.unmark)

    def unmark(self) -> None:
        self.marked.clear()
        self.fit_entries()

    def action_unletter(self) -> None:
        """Take the lettering code of the entry under the cursor off the customer's entries
        that carry it, after a confirmation."""
        entry = self.entry()
        if entry is not None and self.detail is not None:
            Changes(self, self.load).unletter(self.detail["code"], entry)

    def action_suggest_lettering(self) -> None:
        """The customer's lettering suggestions, to letter one (after a confirmation)."""
        if self.detail is not None and self.check_action("suggest_lettering", ()):
            Changes(self, self.load).suggest(self.code, self.lettered)

    def lettered(self, ids: list[int]) -> None:
        """Entries lettered from a suggestion: no longer marked (they left the list)."""
        if self.marked & set(ids):
            self.marked -= set(ids)
            self.fit_entries()

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        index = (self.TABS.index(tabs.active) + delta) % len(self.TABS) if tabs.active else 0
        tabs.active = self.TABS[index]
        self.tables[self.TABS[index]].body.focus()

    def action_new(self) -> None:
        self.rcv.new_dossier(self.code)

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

    @on(TableBody.Selected)
    def dossier_selected(self, event: TableBody.Selected) -> None:
        active = self.query_one("#tabs", TabbedContent).active
        if active == "dossiers":
            self.rcv.open_dossier(event.row["number"])
        elif active == "contacts":  # Enter on a contact changes it, as `e` does
            self.action_edit_contact()


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
        pair(_("Address"), ", ".join(c["address"].splitlines())),
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
