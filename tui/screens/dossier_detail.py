"""Dossier detail: every field of the dossier, its entries, interventions (with the forecast
of the steps to come), contacts and history; done, skip, add, pause, move, edit by key.

The screen keeps only plain dicts (engine.reads.dossier_page.dossier_page). Its changes are
tui.changes': each runs the engine service with the version shown on screen, so a change
someone else saved first is refused (Conflict) and the screen reloads. The app opens it
(RecouvrementApp.open_dossier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widgets import ContentSwitcher, Static
from textual.worker import get_current_worker

from engine import dossiers as dossier_service
from engine.documents.produce import letter_kept
from engine.i18n import N_, _, pgettext
from engine.inert import inert
from engine.reads.documents import document_view, dossier_documents
from engine.reads.dossier_page import dossier_page, history_count, history_window
from tui import format as fmt
from tui import labels
from tui.changes import Changes, DossierState, Todo, allowed
from tui.screens.base import BaseModal, BaseScreen
from tui.widgets.columns import FLEX_MINIMUM, Column, Row, amount_column, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody
from tui.widgets.tab_bar import TabBar
from tui.widgets.title_bar import TitleBar

TABS = ("entries", "interventions", "contacts", "history")


# -- how values read


def _excluded(value: Any) -> str:
    return _("yes") if value else ""


def _value(name: str, value: Any) -> str:
    """A value of the history as it reads everywhere else: dates, amounts, labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return fmt.money(value)
    if isinstance(value, dt.datetime):
        return fmt.moment(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if name == "status":
        return labels.status_label(value)
    if name == "type":
        return labels.type_label(value)
    if name == "step":
        return labels.step_label(value)
    if name == "outcome":
        return labels.stored_text(value)
    return str(value)


def change_lines(changes: list[tuple[str, Any, Any]], action: str) -> list[str]:
    """One line per field: ``field: value`` (created, removed) or ``field: before → after``."""
    parts = []
    for name, before, after in changes:
        field = labels.field_label(name)
        if action == "insert" or (before is None and action != "delete"):
            if after in (None, ""):
                continue  # a new record's empty fields say nothing
            parts.append(_("{field}: {value}").format(field=field, value=_value(name, after)))
        elif action == "delete":
            parts.append(_("{field}: {value}").format(field=field, value=_value(name, before)))
        else:
            change = f"{_value(name, before)} → {_value(name, after)}"
            parts.append(_("{field}: {value}").format(field=field, value=change))
    return parts


def changes_text(changes: list[tuple[str, Any, Any]], action: str) -> str:
    return "; ".join(change_lines(changes, action))


def what_text(row: Row) -> str:
    """What a history row did, as a whole phrase (a translation agrees it with its noun:
    « intervention modifiée », « dossier modifié »)."""
    table, action = row["table"], row["action"]
    phrases: dict[tuple[str, str], Callable[[], str]] = {
        ("dossier", "insert"): lambda: _("dossier created"),
        ("dossier", "update"): lambda: _("dossier changed"),
        ("dossier", "delete"): lambda: _("dossier removed"),
        ("intervention", "insert"): lambda: _("intervention {id} created"),
        ("intervention", "update"): lambda: _("intervention {id} changed"),
        ("intervention", "delete"): lambda: _("intervention {id} removed"),
        ("dossier_entry", "insert"): lambda: _("entry added"),
        ("dossier_entry", "update"): lambda: _("entry link changed"),
        ("dossier_entry", "delete"): lambda: _("entry taken out"),
        # The daily pass adds an invoice that fell due (engine.daily.join_new_invoices).
        ("dossier_entry", "join"): lambda: _("invoice joined the dossier"),
        ("dossier_contact", "insert"): lambda: _("contact added"),
        ("dossier_contact", "update"): lambda: _("contact link changed"),
        ("dossier_contact", "delete"): lambda: _("contact taken out"),
    }
    phrase = phrases.get((table, action))
    if phrase is None:
        return f"{table} {action}"
    return phrase().format(id=row["record_id"])


# -- columns that fit the width (tui.widgets.columns: an amount is never cut)

CHARGES = ("fee", "penalty", "indemnity")


def entry_columns(width: int, marking: bool = False) -> list[Column]:
    """The account is the customer's, the same on every line: not shown. ``charge_of``
    says which invoice a charge belongs to."""
    return fit(
        [
            # Space marks entries to letter (L): a column while some are marked.
            *([Column("mark", "", 1)] if marking else []),
            Column("journal", _("Journal"), 7, rank=6),
            Column("date", _("Date"), 10, show=fmt.date, rank=2),
            Column("piece", _("Piece"), 12, rank=1),
            Column("charge_of", _("Invoice"), 12, rank=2),
            Column("reference", _("Reference"), 10, rank=5),
            Column("label", _("Label"), 16, flex=True),
            Column("due_date", _("Due date"), 10, show=fmt.date, rank=1),
            Column("lettering", _("Let."), 4, rank=4),
            amount_column("debit", _("Debit"), 10, rank=3),
            amount_column("credit", _("Credit"), 10, rank=3),
            amount_column("open_amount", pgettext("column", "Open"), 10, rank=1),
            Column("excluded", pgettext("column", "Excl."), 5, show=_excluded, rank=1),
            Column("kind", _("Kind"), labels.widest(labels.KINDS), show=labels.kind_label, rank=2),
        ],
        width,
        16,
    )


def intervention_columns(width: int) -> list[Column]:
    return fit(
        [
            Column(
                "status",
                _("Status"),
                labels.widest(labels.INTERVENTION_STATUSES),
                show=labels.status_label,
                rank=1,
            ),
            Column("planned", _("Planned"), 10, show=fmt.date, rank=1),
            Column("done", pgettext("column", "Done"), 10, show=fmt.date, rank=2),
            Column("scenario", _("Scenario"), 14, rank=2),
            Column("step_no", "#", 2, right=True, rank=3),
            Column("step", _("Step"), 16, show=labels.step_label, flex=True),
            Column("type", _("Type"), labels.widest(labels.TYPES), show=labels.type_label, rank=3),
            Column("letter", pgettext("column", "Letter"), 9, rank=5),
            Column("contact", _("Contact"), 14, rank=5),
            Column("text", _("Note / outcome"), 22, rank=4),
        ],
        width,
        16,
    )


def letter_mark(mark: Any) -> str:
    """An intervention's letter in a few cells: printed (PDF), or how its e-mail went."""
    if mark is None:
        return ""
    if mark.channel in ("email", "both"):
        return {
            "sent": _("✉ sent"),
            "failed": _("✉ failed"),
            "outbox": _("✉ outbox"),
        }.get(mark.email_status, "✉")
    return _("PDF")


def contact_columns(width: int) -> list[Column]:
    return fit(
        [
            Column("name", _("Name"), FLEX_MINIMUM, flex=True),
            Column(
                "on_dossier",
                _("Dossier"),
                labels.widest(labels.CONTACT_ROLES),
                show=labels.role_label,
                rank=1,
            ),
            Column("role", _("Role"), 16, rank=2),
            Column("phone", _("Phone"), 14, rank=1),
            Column("email", _("Email"), 24, rank=3),
        ],
        width,
    )


def history_columns(width: int) -> list[Column]:
    return fit(
        [
            Column("when", _("When"), 16, rank=1),
            Column("login", _("Who"), 10, rank=1),
            # "intervention 12345 modifiée": the phrase whole, the changes take the rest
            Column("what", _("What"), 26, rank=2),
            Column("changes", _("Before → after"), 30, flex=True),
        ],
        width,
        30,
    )


COLUMNS: dict[str, Callable[[int], list[Column]]] = {
    "entries": entry_columns,
    "interventions": intervention_columns,
    "contacts": contact_columns,
    "history": history_columns,
}


# -- where the tables' rows come from


class HistorySource:
    """A long-lived dossier's history can be long: paged from SQL, newest first."""

    def __init__(self, screen: DossierDetailScreen) -> None:
        self.screen = screen

    def count(self) -> int:
        number = self.screen.number
        return self.screen.rcv.backend.read(lambda ctx: history_count(ctx.session, number))

    def fetch(self, offset: int, limit: int) -> list[Row]:
        number = self.screen.number
        rows = self.screen.rcv.backend.read(
            lambda ctx: history_window(ctx.session, number, offset, limit)
        )
        return [
            {
                **row,
                "when": fmt.moment(row["at"]),
                "what": what_text(row),
                "changes": changes_text(row["changes"], row["action"]),
                "change_list": row["changes"],  # for the row read in full
            }
            for row in rows
        ]


def entry_rows(data: Row) -> list[Row]:
    """The entries, each charge with the invoice it belongs to (blank when the piece says
    it already)."""
    return [
        {
            **entry,
            "charge_of": entry["invoice"]
            if entry["kind"] in CHARGES and entry["invoice"] != entry["piece"]
            else "",
        }
        for entry in data["entries"]
    ]


def intervention_rows(data: Row) -> list[Row]:
    """Interventions as they stand, then the forecast of the steps still to come."""
    rows = []
    marks = data.get("documents", {})
    for item in data["interventions"]:
        text = [labels.stored_text(item["outcome"]), item["note"]]
        if item.get("promise_date") or item.get("promise_amount") is not None:
            text.append(promise_text(item))
        # Notes gather lines (one per done or skip): one cell, the lines side by side.
        mark = marks.get(item["id"])
        rows.append(
            {
                **item,
                "text": " · ".join(t for t in text if t).replace("\n", " / "),
                "letter": letter_mark(mark),
                "document": mark,
            }
        )
    rows += [
        {
            "status": "forecast",
            "planned": item["planned"],
            "scenario": data["scenario"],
            "step_no": item["step_no"],
            "step": item["step"],
            "type": item["type"],
        }
        for item in data["forecast"]
    ]
    return rows


def promise_text(item: Row) -> str:
    """A promise to pay recorded with an intervention: when, how much."""
    amount, day = item.get("promise_amount"), item.get("promise_date")
    if amount is not None and day:
        return _("promised {amount} on {day}").format(amount=fmt.money(amount), day=fmt.date(day))
    if day:
        return _("promised on {day}").format(day=fmt.date(day))
    return _("promised {amount}").format(amount=fmt.money(amount))


def intervention_text(item: Row) -> str:
    """An intervention in full: its step, dates, who, the outcome, the note, the promise."""
    none = "—"
    step = labels.step_label(item.get("step"))
    if item.get("step_no"):
        step = f"{item['step_no']}. {step}"
    lines = [
        f"{step} · {labels.type_label(item.get('type'))} · {labels.status_label(item['status'])}",
        _("Scenario: {scenario}").format(scenario=item.get("scenario") or none),
        _("Planned: {day}").format(day=fmt.date(item.get("planned")) or none),
    ]
    if item.get("done"):
        lines.append(
            _("Done on {day} by {who}").format(
                day=fmt.date(item["done"]), who=item.get("done_by") or none
            )
        )
    if item.get("contact"):
        lines.append(_("Contact: {contact}").format(contact=item["contact"]))
    if item.get("promise_date") or item.get("promise_amount") is not None:
        lines.append(_("Promise: {promise}").format(promise=promise_text(item)))
    if item.get("outcome"):
        lines.append(_("Outcome: {outcome}").format(outcome=labels.stored_text(item["outcome"])))
    if item.get("note"):
        lines += ["", _("Note:"), item["note"]]
    return "\n".join(inert(line, multiline=True) for line in lines)


def document_text(view: Any) -> str:
    """A kept letter: how it went out, then its text."""
    none = "—"
    lines = [
        _("{template} · {day} · by {who}").format(
            template=view.template, day=fmt.date(view.day), who=view.created_by
        ),
        _("Channel: {channel}").format(channel=view.channel),
    ]
    if view.recipient:
        lines.append(
            _("E-mail to {address}: {status}").format(
                address=view.recipient, status=view.email_status or none
            )
        )
    if view.email_error:
        lines.append(view.email_error)
    lines += ["", view.text]
    return "\n".join(inert(line, multiline=True) for line in lines)


def history_text(row: Row) -> str:
    """A history row in full: when, who, what, every change before → after, one a line."""
    lines = [
        _("{when} · {who}").format(when=fmt.moment(row["at"]), who=row["login"]),
        what_text(row),
        "",
        *change_lines(row["change_list"], row["action"]),
    ]
    return "\n".join(inert(line, multiline=True) for line in lines)


def with_documents(ctx: Any, data: Row) -> Row:
    """The dossier's page and the letter kept for each of its interventions."""
    return {**data, "documents": dossier_documents(ctx.session, data["number"])}


# -- the screen


class DossierDetailScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), show=False, id="detail.back"),
        Binding("d", "done", N_("Done"), id="detail.done"),
        Binding("s", "skip", N_("Skip"), id="detail.skip"),
        Binding("a", "add", N_("Add"), id="detail.add"),
        Binding("p", "pause", N_("Pause"), id="detail.pause"),
        Binding("u", "resume", N_("Resume"), id="detail.resume"),
        Binding("t", "move", N_("Move"), id="detail.move"),
        Binding("e", "edit", N_("Edit"), id="detail.edit"),
        Binding("x", "exclude", N_("Exclude / include"), id="detail.exclude"),
        Binding("space", "mark_entry", N_("Mark"), id="detail.mark_entry"),
        Binding("L", "letter_marked", N_("Letter marked"), id="detail.letter_marked"),
        Binding("U", "unletter", N_("Unletter"), id="detail.unletter"),
        Binding("S", "suggest_lettering", N_("Suggest lettering"), id="detail.suggest_lettering"),
        Binding("l", "letter", N_("Letter"), id="detail.letter"),
        Binding("w", "write_pdf", N_("Write PDF"), id="detail.write_pdf"),
        Binding("m", "resend", N_("Re-send e-mail"), id="detail.resend"),
        Binding("left_square_bracket", "tab(-1)", N_("Prev. tab"), id="detail.previous_tab"),
        Binding("right_square_bracket", "tab(1)", N_("Next tab"), id="detail.next_tab"),
        Binding("r", "reload", N_("Reload"), show=False, id="detail.reload"),
    ]
    DEFAULT_CSS = """
    DossierDetailScreen #fields { height: auto; padding: 0 1; background: $panel; }
    DossierDetailScreen #panes { height: 1fr; }
    """

    def __init__(self, number: str, data: Row | None = None) -> None:
        """``data``: the dossier already read (open_dossier), shown from the first paint."""
        super().__init__()
        self.number = number
        self.data: Row | None = None
        self.initial = data
        self.changes = Changes(self, self.reload)
        self.marked: set[int] = set()  # entries marked with Space, to letter together
        self.shown = {TABS[0]}  # tabs whose table is mounted (or composed)
        self.width = 120
        self.sources = {
            "entries": ListSource(),
            "interventions": ListSource(),
            "contacts": ListSource(),
        }
        self.tables = {
            "entries": LazyTable(entry_columns(120), self.sources["entries"], id="entries-table"),
            "interventions": LazyTable(
                intervention_columns(120), self.sources["interventions"], id="interventions-table"
            ),
            "contacts": LazyTable(
                contact_columns(120), self.sources["contacts"], id="contacts-table"
            ),
            "history": LazyTable(history_columns(120), HistorySource(self), id="history-table"),
        }

    def compose(self) -> ComposeResult:
        if self.initial is None:
            self.load()  # read the dossier while the screen mounts, not after
        titles = {
            "entries": _("Entries"),
            "interventions": _("Interventions"),
            "contacts": _("Contacts"),
            "history": _("History"),
        }
        yield TitleBar()
        yield Static(
            _("Loading dossier {number}…").format(number=self.number), id="fields", markup=False
        )
        # One widget for the tab titles (tui.widgets.tab_bar), and only the first tab's
        # table now: the others when first shown, so opening a dossier mounts one table.
        yield TabBar({key: titles[key] for key in TABS}, TABS[0], id="tabs")
        with ContentSwitcher(id="panes", initial=self.tables[TABS[0]].id):
            yield self.tables[TABS[0]]
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Dossier {number}").format(number=self.number)
        self.tables[TABS[0]].body.focus()
        if self.initial is not None:
            self.show(self.initial)
            self.initial = None

    def on_resize(self, event: Resize) -> None:
        self.width = event.size.width
        for key in self.shown:
            self.fit_columns(key)

    def fit_columns(self, key: str) -> None:
        if key == "entries":
            self.tables[key].set_columns(entry_columns(self.width, bool(self.marked)))
        else:
            self.tables[key].set_columns(COLUMNS[key](self.width))

    @on(TabBar.Activated, "#tabs")
    async def tab_shown(self, event: TabBar.Activated) -> None:
        key = event.key
        table = self.tables[key]
        new = key not in self.shown
        if new:
            self.shown.add(key)
            table.display = False  # not beside the shown table until the switch below
            await self.query_one("#panes", ContentSwitcher).mount(table)
            self.fit_columns(key)
            self.fill(key)
        if self.active_tab() != key:
            return  # already left for another tab
        self.query_one("#panes", ContentSwitcher).current = table.id
        if new:
            table.body.focus()

    # -- loading

    def reload(self) -> None:
        self.load()
        if "history" in self.shown:
            self.tables["history"].reload(keep_cursor=True)

    @work(thread=True, exclusive=True, group="detail-load", exit_on_error=False)
    def load(self) -> None:
        number = self.number
        data = self.call_engine(lambda ctx: with_documents(ctx, dossier_page(ctx, number)))
        # A later load (an e-mail's outcome recorded meanwhile) replaced this one: what it
        # read may be older than what the later one shows.
        if data is not None and not get_current_worker().is_cancelled:
            self.rcv.call_from_thread(self.show, data)

    def fill(self, key: str) -> None:
        """Show a mounted tab's rows: the history is read page by page, the rest came with
        the dossier."""
        if key == "history":
            self.tables[key].reload(keep_cursor=True)
        elif self.data is not None:
            rows = {
                "entries": self.entry_rows,
                "interventions": intervention_rows,
                "contacts": lambda data: data["contacts"],
            }[key](self.data)
            self.sources[key].rows = rows
            self.tables[key].show_rows(rows)

    def show(self, data: Row) -> None:
        self.data = data
        self.number = data["number"]
        self.query_one("#fields", Static).update(self.fields_text(data))
        for key in self.shown - {"history"}:
            self.fill(key)
        # `u` resume applies to paused dossiers only; the rights depend on the agent
        self.refresh_bindings()

    def fields_text(self, data: Row) -> str:
        """The dossier's fields, a few to a line; every value from data shown inert."""
        none = "—"
        data = {
            key: inert(value) if isinstance(value, str) else value for key, value in data.items()
        }
        status = labels.status_label(data["status"])
        if data["scenario_ended"]:
            status += " · " + _("scenario ended")
        lines = [
            f"{data['number']} · {data['customer']} {data['customer_name']} · {status}",
            " · ".join(
                [
                    _("Created {day}").format(day=fmt.date(data["created"])),
                    _("Agent: {agent}").format(agent=data["agent"] or none),
                    _("Risk: {risk}").format(risk=data["customer_risk"] or none),
                ]
            ),
            " · ".join(
                [
                    _("Scenario: {scenario}").format(scenario=data["scenario"] or none),
                    _("Main contact: {contact}").format(contact=data["main_contact"] or none),
                ]
            ),
            _("Reason: {reason}").format(reason=data["reason"] or none),
        ]
        if data["status"] == "paused":
            pause = _("Paused until {day}: {why}").format(
                day=fmt.date(data["pause_until"]), why=data["pause_reason"] or none
            )
            if data["promise_amount"] is not None:
                pause += " · " + _("promised {amount}").format(
                    amount=fmt.money(data["promise_amount"])
                )
            lines.append(pause)
        if data["status"] == "closed":
            lines.append(
                _("Closed on {day}: {why}").format(
                    day=fmt.date(data["closed_on"]), why=_(data["close_reason"] or none)
                )
            )
        lines.append(
            " · ".join(
                [
                    _("Principal {amount}").format(amount=fmt.money(data["principal"])),
                    _("Charges {amount}").format(amount=fmt.money(data["charges"])),
                    _("Balance {amount}").format(amount=fmt.money(data["balance"])),
                    _("Provision {amount}").format(amount=fmt.money(data["provision"])),
                ]
            )
        )
        if data.get("rate_warning"):  # a penalty step to do over a half-year without rate
            lines.append("⚠ " + data["rate_warning"])
        return "\n".join(lines)

    # -- running changes

    def refresh_view(self) -> None:
        self.reload()

    def dossier(self, data: Row) -> DossierState:
        return DossierState(
            data["number"],
            data["version"],
            data["status"],
            data["agent"],
            data["pause_until"],
            data["pause_reason"] or "",
            data["promise_amount"],
            data["main_contact"] or "",
        )

    @work(thread=True, group="detail-change", exit_on_error=False)
    def refuse_closed(self) -> None:
        """Ask the engine, so the message is its own."""
        number = self.number
        self.call_engine(
            lambda ctx: dossier_service.require_open(
                dossier_service.find_dossier(ctx.session, number)
            )
        )

    def ready(self, change_plan: bool = True) -> Row | None:
        """The data shown, when it is there and (for plan changes) the dossier is not closed."""
        if self.data is None:
            return None
        if change_plan and self.data["status"] == "closed":
            self.refuse_closed()
            return None
        return self.data

    # -- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys follow the user's rights on this dossier (an auditor sees none that change
        it), ``u`` a paused dossier, ``x`` the Entries tab."""
        if action == "resume" and (self.data is None or self.data["status"] != "paused"):
            return False
        # the entry under the cursor, the marked ones: on the Entries tab only
        if action in ("exclude", "mark_entry", "letter_marked", "unletter", "suggest_lettering"):
            tabs = self.query("#tabs")
            if not tabs or tabs.first(TabBar).active != "entries":
                return False
        if action in ("letter", "write_pdf", "resend"):  # the Interventions tab's letters
            tabs = self.query("#tabs")
            if not tabs or tabs.first(TabBar).active != "interventions":
                return False
            if action != "resend":
                return True
        agent = self.data["agent"] if self.data is not None else None
        return allowed(self.rcv.backend.actor, action, agent)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#tabs", TabBar)
        key = TABS[(TABS.index(tabs.active) + step) % len(TABS)]
        tabs.active = key
        if key in self.shown:  # else tab_shown shows and focuses it once mounted
            self.query_one("#panes", ContentSwitcher).current = self.tables[key].id
            self.tables[key].body.focus()

    def active_tab(self) -> str:
        return self.query_one("#tabs", TabBar).active

    def target(self) -> Row | None:
        """The to-do under the cursor in the Interventions tab, else the current step."""
        if self.data is None:
            return None
        if self.active_tab() == "interventions":
            row = self.tables["interventions"].body.current
            if row is not None and row.get("status") == "todo" and row.get("id"):
                return row
        current = self.data["current_id"]
        return next((i for i in self.data["interventions"] if i["id"] == current), None)

    def todo(self) -> Todo | None:
        """The intervention ``d`` or ``s`` acts on, or None after saying why there is none."""
        if self.ready() is None:
            return None
        item = self.target()
        if item is None:
            self.notify(
                _("Nothing to do on dossier {number}: no intervention is planned.").format(
                    number=self.number
                ),
                severity="warning",
            )
            return None
        return Todo.of(item, self.number)

    def action_done(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.done(todo)

    def action_skip(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.skip(todo)

    def action_add(self) -> None:
        data = self.ready()
        if data is not None:
            self.changes.add(self.dossier(data))

    def action_pause(self) -> None:
        data = self.ready()
        if data is not None:
            self.changes.pause(self.dossier(data))

    def action_resume(self) -> None:
        data = self.ready()
        if data is not None and data["status"] == "paused":
            self.changes.resume(self.dossier(data))

    def action_move(self) -> None:
        data = self.ready()
        if data is not None:
            self.changes.move(data)

    def action_edit(self) -> None:
        data = self.ready(change_plan=False)
        if data is not None:
            self.changes.edit(data)

    @on(TabBar.Activated, "#tabs")
    def offer_exclude(self) -> None:
        self.refresh_bindings()  # `x` on the Entries tab only, the letters' keys on theirs

    def document(self) -> Any:
        """The letter of the intervention under the cursor, or None after saying so."""
        row = (
            self.tables["interventions"].body.current
            if self.active_tab() == "interventions"
            else None
        )
        mark = row.get("document") if row is not None else None
        if mark is None:
            self.notify(_("This intervention has no letter."), severity="warning")
        return mark

    def action_letter(self) -> None:
        """The letter of the intervention under the cursor, to read; a done step with a
        template and no letter kept (done before letters existed, as in the demo) gets
        it made first, as `letter ID` does — the engine says why when it cannot."""
        row = (
            self.tables["interventions"].body.current
            if self.active_tab() == "interventions"
            else None
        )
        if row is None or row.get("status") == "forecast":
            return
        mark = row.get("document")
        if mark is not None:
            self.read_letter(mark.id)
        else:
            self.read_letter(None, row["id"])

    @work(thread=True, group="detail-letter", exit_on_error=False)
    def read_letter(self, document_id: int | None, intervention_id: int | None = None) -> None:
        if document_id is None:
            assert intervention_id is not None
            made = intervention_id
            document_id = self.call_engine(lambda ctx: letter_kept(ctx, made), write=True)
            if document_id is None:
                return
            self.rcv.call_from_thread(self.reload)
        kept = document_id
        view = self.call_engine(lambda ctx: document_view(ctx.session, kept))
        if view is not None:
            self.rcv.call_from_thread(
                self.app.push_screen, ReadModal(_("Letter"), document_text(view))
            )

    def action_write_pdf(self) -> None:
        mark = self.document()
        if mark is not None:
            name = f"{self.number}-{mark.intervention_id}.pdf"
            self.changes.write_pdf(mark.id, name)

    def action_resend(self) -> None:
        mark = self.document()
        if mark is None:
            return
        if not mark.recipient:
            self.notify(_("This letter was not sent by e-mail."), severity="warning")
            return
        self.changes.redeliver(mark.id)

    def entry_rows(self, data: Row) -> list[Row]:
        return [
            {**row, "mark": "*" if row["id"] in self.marked else ""} for row in entry_rows(data)
        ]

    def action_mark_entry(self) -> None:
        """Mark the entry under the cursor to letter (or unmark it)."""
        row = self.tables["entries"].body.current if self.active_tab() == "entries" else None
        if self.data is None or row is None:
            return
        self.marked ^= {row["id"]}
        self.fit_columns("entries")
        self.fill("entries")

    def action_letter_marked(self) -> None:
        """Letter the marked entries together, after a confirmation (code, left open)."""
        if self.data is None or self.active_tab() != "entries":
            return
        if len(self.marked) < 2:
            self.notify(_("Mark two entries or more with Space first."), severity="warning")
            return
        self.changes.letter(sorted(self.marked), self.unmark)

    def unmark(self) -> None:
        self.marked.clear()
        self.fit_columns("entries")

    def action_unletter(self) -> None:
        """Take the lettering code of the entry under the cursor off the customer's entries
        that carry it, after a confirmation."""
        row = self.tables["entries"].body.current if self.active_tab() == "entries" else None
        if self.data is None or row is None:
            return
        self.changes.unletter(self.data["customer"], row)

    def action_suggest_lettering(self) -> None:
        """The customer's lettering suggestions, to letter one (after a confirmation)."""
        if self.data is None or not self.check_action("suggest_lettering", ()):
            return
        self.changes.suggest(self.data["customer"], self.lettered)

    def lettered(self, ids: list[int]) -> None:
        """Entries lettered from a suggestion: no longer marked (they are lettered now)."""
        if self.marked & set(ids):
            self.marked -= set(ids)
            self.fit_columns("entries")

    def action_exclude(self) -> None:
        """Exclude the entry under the cursor from reminders and new dossiers (a disputed
        invoice), or bring it back: it stays in this dossier either way."""
        row = self.tables["entries"].body.current if self.active_tab() == "entries" else None
        if self.data is None or row is None:
            return
        self.changes.exclude(row)

    # -- reading a row in full

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        """Enter on an intervention or a history row: the whole of it, in a box."""
        key = self.active_tab()
        row = event.row
        if key == "interventions" and row.get("status") != "forecast":
            self.app.push_screen(ReadModal(_("Intervention"), intervention_text(row)))
        elif key == "history":
            self.app.push_screen(ReadModal(_("History"), history_text(row)))


class ReadModal(BaseModal):
    """Text to read (a note, a change), in full; Escape, Enter or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", N_("Close"), id="read.close"),
    ]
    DEFAULT_CSS = """
    ReadModal { align: center middle; }
    ReadModal > #box {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    ReadModal #read-title { text-style: bold; margin-bottom: 1; }
    ReadModal #read-text { height: auto; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="box"):
            yield Static(self.title_text, id="read-title", markup=False)
            yield Static(self.text, id="read-text", markup=False)
        yield KeyBar()

    def action_close(self) -> None:
        self.dismiss(None)
