"""Actions (Gestion des actions): every intervention to do, all dossiers, overdue / today /
upcoming, read from SQL a screenful at a time; done, skip, reschedule, note, promise to pay
and a new intervention right from the list (the changes of tui.changes, as on a dossier)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from engine.i18n import N_, _, pgettext
from engine.inert import inert
from engine.reads.dossier_page import dossier_page
from engine.reads.worklist import (
    WorklistFilter,
    worklist_agents,
    worklist_totals,
    worklist_window,
)
from engine.scenarios import STEP_TYPES
from tui import format as fmt
from tui import labels
from tui.changes import Changes, DossierState, Todo, allowed
from tui.labels import type_label
from tui.screens.base import FilteredListScreen
from tui.widgets.columns import Column, Row, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, TableBody

PERIODS = ("all", "today", "week")  # w cycles: every to-do, until today, the next 7 days
TYPES: tuple[str | None, ...] = (None, *STEP_TYPES)


def waiting(row: Row) -> str:
    """Why a to-do waits (its dossier is paused: until when, why), else its latest note."""
    if row.get("dossier_status") == "paused" and row.get("pause_until"):
        day = fmt.date(row["pause_until"])
        reason = row.get("pause_reason") or ""
        if row.get("pause_amount") is not None:
            reason = f"{reason} ({fmt.money(row['pause_amount'])})".strip()
        if reason:
            return _("paused until {day}: {reason}").format(day=day, reason=reason)
        return _("paused until {day}").format(day=day)
    note = (row.get("note") or "").strip()
    return note.splitlines()[-1] if note else ""


def columns(width: int) -> list[Column]:
    """What fits: 110 columns and more show the customer's name, the agent, the step and the
    note or pause; 80 columns one column with the step, or why it waits when paused."""
    wide = width >= 110
    cols = [
        Column(
            "group",
            pgettext("column", "When"),
            labels.widest(labels.GROUPS),
            show=labels.group_label,
            rank=1,
        ),
        Column("planned", _("Planned"), 10, show=fmt.date, rank=1),
        Column("dossier", _("Dossier"), 7, rank=1),
        Column("customer", _("Customer"), 10, rank=1),
    ]
    if wide:
        cols += [
            Column("customer_name", _("Name"), 18, rank=3),
            Column("agent", pgettext("column", "Agent"), 9, rank=2),
        ]
    cols.append(Column("type", _("Type"), 10, show=labels.type_label, rank=1))
    if not wide:
        return fit([*cols, Column("what", _("Step / pause"), 24, flex=True)], width, 24)
    step = Column("step", _("Step"), 12, show=labels.step_label, flex=True)
    return fit([*cols, step, Column("info", _("Note / pause"), 12, flex=True)], width, 12)


class WorklistSource:
    """Rows for the table, for the filter in force (called from worker threads)."""

    def __init__(self, screen: ActionsScreen) -> None:
        self.screen = screen

    def count(self) -> int:
        # The totals per group give the count too: one query for the header and the table.
        flt = self.screen.filter
        totals = self.screen.rcv.backend.read(
            lambda ctx: worklist_totals(ctx.session, flt, ctx.today)
        )
        self.screen.rcv.call_from_thread(self.screen.show_totals, flt, totals)
        return int(totals["total"])

    def fetch(self, offset: int, limit: int) -> list[Row]:
        flt = self.screen.filter
        found = self.screen.rcv.backend.read(
            lambda ctx: worklist_window(ctx.session, flt, offset, limit, ctx.today)
        )
        rows: list[Row] = [dict(row) for row in found]  # plain dicts: display keys added
        for row in rows:
            row["info"] = waiting(row)
            step = labels.step_label(row["step"])
            row["what"] = row["info"] if row["dossier_status"] == "paused" else step
        return rows


class ActionsScreen(FilteredListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "done", N_("Done"), id="actions.done"),
        Binding("s", "skip", N_("Skip"), id="actions.skip"),
        Binding("r", "reschedule", N_("Reschedule"), id="actions.reschedule"),
        Binding("o", "note", N_("Note"), id="actions.note"),
        Binding("p", "promise", N_("Promise"), id="actions.promise"),
        Binding("a", "add", N_("Add"), id="actions.add"),
        Binding("t", "move", N_("Move"), id="actions.move"),
        Binding("e", "edit", N_("Edit"), id="actions.edit"),
        Binding("slash", "focus_filter", N_("Filter"), id="actions.filter"),
        Binding("escape", "clear", N_("Clear"), show=False, id="actions.clear"),
        Binding("m", "mine", N_("Mine / all"), id="actions.mine"),
        Binding("u", "agent", N_("Agent"), show=False, id="actions.agent"),
        Binding("y", "type", N_("Type"), id="actions.type"),
        Binding("w", "period", N_("Period"), id="actions.period"),
        Binding("l", "letters", N_("Letters of the day"), id="actions.letters"),
    ]
    DEFAULT_CSS = """
    ActionsScreen #detail { height: 2; padding: 0 1; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter = WorklistFilter()
        self.period = "all"
        self.started = False  # the agent filter is set once the user's role is known
        self.table = LazyTable(columns(120), WorklistSource(self), id="actions")
        self.changes = Changes(self, lambda: self.reload(keep_cursor=True))

    def columns(self, width: int) -> list[Column]:
        return columns(width)

    def compose(self) -> ComposeResult:
        yield from self.list_top(_("/ filter: dossier, customer code or name, agent"))
        yield self.table
        yield Static("", id="detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Actions")
        self.table.body.focus()
        self.refresh_flags()
        self.start()

    @work(thread=True, exclusive=True, group="start", exit_on_error=False)
    def start(self) -> None:
        """Agents see their own to-dos first; managers and auditors everybody's."""
        role = self.call_engine(lambda ctx: ctx.actor.role)
        self.rcv.call_from_thread(self._started, role)

    def _started(self, role: str | None) -> None:
        self.started = True
        if role is None:
            return  # refused (an unknown login): call_engine said why, there is nothing to list
        self.refresh_bindings()  # the keys of what this role may do
        self.set_filter(agent=self.rcv.backend.login if role == "agent" else None)

    # -- loading

    def reload(self, keep_cursor: bool = False) -> None:
        self.table.reload(keep_cursor)

    def show_totals(self, flt: WorklistFilter, totals: Row) -> None:
        if flt != self.filter:
            return  # counted for a filter changed since
        text = _("{overdue} overdue · {today} today · {upcoming} upcoming · {total} to do").format(
            **totals
        )
        self.query_one("#totals", Static).update(text, layout=False)  # one line, always

    def set_filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.refresh_flags()
        self.reload()

    def refresh_flags(self) -> None:
        agent = self.filter.agent
        flags = [
            _("all agents")
            if agent is None
            else _("mine")
            if agent == self.rcv.backend.login
            else inert(agent)
        ]
        if self.filter.type:
            flags.append(type_label(self.filter.type))
        if self.period == "today":
            flags.append(_("until today"))
        elif self.period == "week":
            flags.append(_("next 7 days"))
        self.query_one("#flags", Static).update(" · ".join(flags))

    @on(TableBody.Highlighted)
    def row_highlighted(self, event: TableBody.Highlighted) -> None:
        self.refresh_bindings()  # the keys follow the rights on the row's dossier
        row = event.row
        text = ""
        if row is not None:
            who = row.get("agent") or _("nobody")
            first = f"{row['dossier']} · {row['customer']} {row.get('customer_name') or ''}"
            first += f" · {who} · {row['step']}"
            if row.get("contact"):
                first += f" · {row['contact']}"
            second = waiting(row)
            note = (row.get("note") or "").strip().replace("\n", " / ")
            if note and row.get("dossier_status") == "paused":
                second = f"{second} · {note}"
            text = f"{inert(first)}\n{inert(second)}"  # two lines, whatever the data holds
        self.query_one("#detail", Static).update(text, layout=False)  # two lines, always

    # -- filters

    def action_mine(self) -> None:
        login = self.rcv.backend.login
        self.set_filter(agent=None if self.filter.agent == login else login)

    def action_agent(self) -> None:
        self.next_agent()

    @work(thread=True, exclusive=True, group="agents", exit_on_error=False)
    def next_agent(self) -> None:
        """The next agent in charge of an open dossier (then everybody again)."""
        agents = self.call_engine(lambda ctx: worklist_agents(ctx.session))
        if agents is None:
            return
        current = self.filter.agent
        choices: list[str | None] = [None, *agents]
        index = choices.index(current) if current in choices else 0
        self.rcv.call_from_thread(self.set_filter, agent=choices[(index + 1) % len(choices)])

    def action_type(self) -> None:
        index = TYPES.index(self.filter.type) if self.filter.type in TYPES else 0
        self.set_filter(type=TYPES[(index + 1) % len(TYPES)])

    def action_period(self) -> None:
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        today = self.rcv.backend.today
        until = {"today": today, "week": today + dt.timedelta(days=7)}.get(self.period)
        self.set_filter(until=until)

    # -- working the list

    def refresh_view(self) -> None:
        if self.started:
            self.reload(keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that change a to-do or its dossier follow the user's rights on the
        highlighted row's dossier (an auditor sees none of them)."""
        if action == "letters":  # the day's batch: who may mark steps done
            actor = self.rcv.backend.actor
            return actor is None or actor.can_write
        row = self.table.body.current
        return allowed(self.rcv.backend.actor, action, row["agent"] if row else None)

    def action_letters(self) -> None:
        """The letters due today and before (of the agent the list shows) in one PDF; once
        printed, their steps are marked done."""
        self.changes.letters(self.rcv.today, self.filter.agent)

    def current(self) -> Row | None:
        row = self.table.body.current
        if row is None:
            self.notify(_("No action selected."), severity="warning")
        return row

    def todo(self) -> Todo | None:
        row = self.current()
        return None if row is None else Todo.of(row, row["dossier"])

    def action_done(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.done(todo)

    def action_skip(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.skip(todo)

    def action_reschedule(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.reschedule(todo)

    def action_note(self) -> None:
        todo = self.todo()
        if todo is not None:
            self.changes.note(todo)

    def dossier(self, row: Row) -> DossierState:
        return DossierState(
            row["dossier"],
            row["dossier_version"],
            row["dossier_status"],
            row["agent"],
            row["pause_until"],
            row["pause_reason"] or "",
            row["pause_amount"],
            row.get("contact") or "",
        )

    def action_promise(self) -> None:
        row = self.current()
        if row is not None:
            self.changes.pause(self.dossier(row))

    def action_add(self) -> None:
        row = self.current()
        if row is not None:
            self.changes.add(self.dossier(row))

    # -- the dossier of the row: move it, edit it

    def action_move(self) -> None:
        row = self.current()
        if row is not None:
            self.with_dossier(row["dossier"], self.changes.move)

    def action_edit(self) -> None:
        row = self.current()
        if row is not None:
            self.with_dossier(row["dossier"], self.changes.edit)

    @work(thread=True, exclusive=True, group="dossier-page", exit_on_error=False)
    def with_dossier(self, number: str, change: Callable[[Row], None]) -> None:
        """The forms need the dossier as it stands (its version, scenarios, contacts)."""
        data = self.call_engine(lambda ctx: dossier_page(ctx, number))
        if data is not None:
            self.rcv.call_from_thread(change, data)

    # -- opening

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.rcv.open_dossier(event.row["dossier"])
