"""Dossier detail: every field of the dossier, its entries, interventions (with the forecast
of the steps to come), contacts and history; done, skip, add, pause, move, edit by key.

The screen keeps only plain dicts (engine.reads.dossier_page.dossier_page). Its changes are
tui.changes': each runs the engine service with the version shown on screen, so a change
someone else saved first is refused (Conflict) and the screen reloads. The app opens it
(RecouvrementApp.open_dossier).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import Header, Static, TabbedContent, TabPane

from engine import dossiers as dossier_service
from engine.i18n import N_, _, pgettext
from engine.inert import inert
from engine.reads.dossier_page import dossier_page, history_count, history_window
from tui import format as fmt
from tui.changes import Changes, DossierState, Todo, allowed
from tui.screens.base import BaseScreen
from tui.screens.forms import type_label
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row

TABS = ("entries", "interventions", "contacts", "history")
FLEX_MINIMUM = 10


# -- how values read


def _money(value: Any) -> str:
    return fmt.money(value, symbol=False)


def _status(value: Any) -> str:
    if value == "forecast":
        return _("forecast")
    return _(value) if value else ""


def kind_label(value: str) -> str:
    labels = {
        "invoice": pgettext("entry kind", "invoice"),
        "credit_note": pgettext("entry kind", "credit note"),
        "deposit": pgettext("entry kind", "deposit"),
        "payment": pgettext("entry kind", "payment"),
        "fee": pgettext("entry kind", "fee"),
        "penalty": pgettext("entry kind", "penalty"),
        "indemnity": pgettext("entry kind", "indemnity"),
    }
    return labels.get(value, value)


def _kind(value: Any) -> str:
    return kind_label(value) if value else ""


def _type(value: Any) -> str:
    return type_label(value) if value else ""


def _excluded(value: Any) -> str:
    return _("yes") if value else ""


def _on_dossier(value: Any) -> str:
    if value == "main":
        return _("main")
    if value == "other":
        return _("other")
    return ""


def moment(value: dt.datetime) -> str:
    """A history time, in the machine's time zone."""
    local = value.astimezone()
    return f"{fmt.date(local.date())} {local:%H:%M}"


def field_label(name: str) -> str:
    labels = {
        "reason": pgettext("field", "reason"),
        "agent": pgettext("field", "agent"),
        "status": pgettext("field", "status"),
        "pause_until": pgettext("field", "paused until"),
        "pause_reason": pgettext("field", "pause reason"),
        "promise_amount": pgettext("field", "promised amount"),
        "promise_date": pgettext("field", "promise date"),
        "main_contact_id": pgettext("field", "main contact"),
        "contact_id": pgettext("field", "contact"),
        "entry_id": pgettext("field", "entry"),
        "scenario_id": pgettext("field", "scenario"),
        "provision": pgettext("field", "provision"),
        "planned": pgettext("field", "planned"),
        "held_from": pgettext("field", "held from"),
        "done": pgettext("field", "done on"),
        "done_by": pgettext("field", "done by"),
        "note": pgettext("field", "note"),
        "outcome": pgettext("field", "outcome"),
        "step": pgettext("field", "step"),
        "step_no": pgettext("field", "step number"),
        "type": pgettext("field", "type"),
        "contact": pgettext("field", "contact"),
    }
    return labels.get(name, name)


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def changes_text(changes: list[tuple[str, Any, Any]], action: str) -> str:
    parts = []
    for name, before, after in changes:
        if action == "insert" or (before is None and action != "delete"):
            if after in (None, ""):
                continue  # a new record's empty fields say nothing
            parts.append(f"{field_label(name)}: {_value(after)}")
        elif action == "delete":
            parts.append(f"{field_label(name)}: {_value(before)}")
        else:
            parts.append(f"{field_label(name)}: {_value(before)} → {_value(after)}")
    return "; ".join(parts)


def what_text(row: Row) -> str:
    table = row["table"]
    if table == "dossier":
        thing = _("dossier")
    elif table == "intervention":
        thing = _("intervention {id}").format(id=row["record_id"])
    elif table == "dossier_entry":
        thing = _("entry link")
    elif table == "dossier_contact":
        thing = _("contact link")
    else:
        thing = table
    action = {
        "insert": _("created"),
        "update": _("changed"),
        "delete": _("removed"),
    }.get(row["action"], row["action"])
    return f"{thing} {action}"


# -- columns that fit the width


def fit(
    ranked: list[tuple[int, Column]], flex: str, width: int, minimum: int = FLEX_MINIMUM
) -> list[Column]:
    """Drop the least important columns (highest rank, rightmost first) until the rest leave
    ``minimum`` to the ``flex`` column, which takes the room left."""
    chosen = list(ranked)

    def used() -> int:
        return sum(c.width + 1 for _r, c in chosen if c.key != flex) + 3  # scrollbar

    while used() + minimum > width:
        candidates = [(r, i) for i, (r, c) in enumerate(chosen) if c.key != flex and r > 1]
        if not candidates:
            break
        _rank, index = max(candidates)
        del chosen[index]
    room = max(width - used(), FLEX_MINIMUM)
    return [dataclasses.replace(c, width=room) if c.key == flex else c for _r, c in chosen]


def entry_columns(width: int) -> list[Column]:
    return fit(
        [
            (5, Column("journal", _("Journal"), 7)),
            (2, Column("date", _("Date"), 10, show=fmt.date)),
            (4, Column("piece", _("Piece"), 10)),
            (1, Column("invoice", _("Invoice"), 10)),
            (5, Column("reference", _("Reference"), 10)),
            (4, Column("account", _("Account"), 8)),
            (0, Column("label", _("Label"), FLEX_MINIMUM)),
            (1, Column("due_date", _("Due date"), 10, show=fmt.date)),
            (3, Column("lettering", _("Let."), 4)),
            (2, Column("debit", _("Debit"), 10, right=True, show=_money)),
            (2, Column("credit", _("Credit"), 10, right=True, show=_money)),
            (1, Column("open_amount", pgettext("column", "Open"), 10, right=True, show=_money)),
            (1, Column("excluded", pgettext("column", "Excl."), 5, show=_excluded)),
            (3, Column("kind", _("Kind"), 9, show=_kind)),
        ],
        "label",
        width,
        16,
    )


def intervention_columns(width: int) -> list[Column]:
    return fit(
        [
            (1, Column("status", _("Status"), 9, show=_status)),
            (1, Column("planned", _("Planned"), 10, show=fmt.date)),
            (2, Column("done", pgettext("column", "Done"), 10, show=fmt.date)),
            (5, Column("scenario", _("Scenario"), 14)),
            (3, Column("step_no", "#", 2, right=True)),
            (0, Column("step", _("Step"), FLEX_MINIMUM)),
            (2, Column("type", _("Type"), 10, show=_type)),
            (4, Column("contact", _("Contact"), 14)),
            (3, Column("text", _("Note / outcome"), 22)),
        ],
        "step",
        width,
        26,
    )


def contact_columns(width: int) -> list[Column]:
    return fit(
        [
            (0, Column("name", _("Name"), FLEX_MINIMUM)),
            (1, Column("on_dossier", _("Dossier"), 8, show=_on_dossier)),
            (2, Column("role", _("Role"), 16)),
            (1, Column("phone", _("Phone"), 14)),
            (3, Column("email", _("E-mail"), 24)),
        ],
        "name",
        width,
    )


def history_columns(width: int) -> list[Column]:
    return fit(
        [
            (1, Column("when", _("When"), 16)),
            (1, Column("login", _("Who"), 10)),
            (2, Column("what", _("What"), 18)),
            (0, Column("changes", _("Before → after"), FLEX_MINIMUM)),
        ],
        "changes",
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


class ListSource:
    """Rows already read with the dossier (a dossier's entries, interventions, contacts)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def count(self) -> int:
        return len(self.rows)

    def fetch(self, offset: int, limit: int) -> list[Row]:
        return self.rows[offset : offset + limit]


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
                "when": moment(row["at"]),
                "what": what_text(row),
                "changes": changes_text(row["changes"], row["action"]),
            }
            for row in rows
        ]


def intervention_rows(data: Row) -> list[Row]:
    """Interventions as they stand, then the forecast of the steps still to come."""
    rows = [
        {
            **item,
            # Notes gather lines (one per done or skip): one cell, the lines side by side.
            "text": " · ".join(t for t in (item["outcome"], item["note"]) if t).replace(
                "\n", " / "
            ),
        }
        for item in data["interventions"]
    ]
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
        Binding("left_square_bracket", "tab(-1)", N_("Prev. tab"), id="detail.previous_tab"),
        Binding("right_square_bracket", "tab(1)", N_("Next tab"), id="detail.next_tab"),
        Binding("r", "reload", N_("Reload"), show=False, id="detail.reload"),
    ]
    DEFAULT_CSS = """
    DossierDetailScreen #fields { height: auto; padding: 0 1; background: $panel; }
    DossierDetailScreen TabbedContent { height: 1fr; }
    DossierDetailScreen TabPane { padding: 0; height: 1fr; }
    DossierDetailScreen ContentSwitcher { height: 1fr; }
    """

    def __init__(self, number: str, data: Row | None = None) -> None:
        """``data``: the dossier already read (open_dossier), shown from the first paint."""
        super().__init__()
        self.number = number
        self.data: Row | None = None
        self.initial = data
        self.changes = Changes(self, self.reload)
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
        yield Header()
        yield Static(
            _("Loading dossier {number}…").format(number=self.number), id="fields", markup=False
        )
        with TabbedContent(id="tabs", initial="entries"):
            for key in TABS:
                with TabPane(titles[key], id=key):
                    # Only the first tab's table now: the others when first shown, so
                    # opening a dossier mounts one table, not four.
                    if key == TABS[0]:
                        yield self.tables[key]
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
        self.tables[key].set_columns(COLUMNS[key](self.width))

    @on(TabbedContent.TabActivated, "#tabs")
    async def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        key = event.pane.id
        if key is None or key in self.shown:
            return
        self.shown.add(key)
        table = self.tables[key]
        await event.pane.mount(table)
        self.fit_columns(key)
        self.fill(key)
        if self.active_tab() == key:
            table.body.focus()

    # -- loading

    def reload(self) -> None:
        self.load()
        if "history" in self.shown:
            self.tables["history"].reload(keep_cursor=True)

    @work(thread=True, exclusive=True, group="detail-load", exit_on_error=False)
    def load(self) -> None:
        number = self.number
        data = self.call_engine(lambda ctx: dossier_page(ctx, number))
        if data is not None:
            self.rcv.call_from_thread(self.show, data)

    def fill(self, key: str) -> None:
        """Show a mounted tab's rows: the history is read page by page, the rest came with
        the dossier."""
        if key == "history":
            self.tables[key].reload(keep_cursor=True)
        elif self.data is not None:
            rows = {
                "entries": lambda data: data["entries"],
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
        status = _(data["status"])
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
        if action == "exclude":  # the entry under the cursor: on the Entries tab only
            tabs = self.query("#tabs")
            if not tabs or tabs.first(TabbedContent).active != "entries":
                return False
        agent = self.data["agent"] if self.data is not None else None
        return allowed(self.rcv.backend.actor, action, agent)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        key = TABS[(TABS.index(tabs.active) + step) % len(TABS)]
        tabs.active = key
        if key in self.shown:  # else tab_shown focuses it once mounted
            self.tables[key].body.focus()

    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

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

    @on(TabbedContent.TabActivated, "#tabs")
    def offer_exclude(self) -> None:
        self.refresh_bindings()  # `x` applies on the Entries tab only

    def action_exclude(self) -> None:
        """Exclude the entry under the cursor from reminders and new dossiers (a disputed
        invoice), or bring it back: it stays in this dossier either way."""
        row = self.tables["entries"].body.current if self.active_tab() == "entries" else None
        if self.data is None or row is None:
            return
        self.changes.exclude(row)
