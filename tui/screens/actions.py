"""Actions (Gestion des actions): every intervention to do, all dossiers, overdue / today /
upcoming, read from SQL a screenful at a time; done, skip, reschedule, note, promise to pay
and a new intervention right from the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import ScreenResume
from textual.widgets import Static

from engine.context import Ctx
from engine.dossiers import pause
from engine.i18n import N_, _, pgettext
from engine.inert import inert
from engine.interventions import add_manual, mark_done, mark_skipped, reschedule
from engine.reads.dossier_page import dossier_page
from engine.reads.worklist import (
    WorklistFilter,
    add_note,
    worklist_agents,
    worklist_totals,
    worklist_window,
)
from engine.scenarios import STEP_TYPES
from tui import format as fmt
from tui.screens.base import FilteredListScreen
from tui.screens.dossier_changes import ask_edit, ask_move
from tui.screens.forms import DateForm, DoneForm, ManualForm, NoteForm, PauseForm, type_label
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row, TableBody

PERIODS = ("all", "today", "week")  # w cycles: every to-do, until today, the next 7 days
TYPES: tuple[str | None, ...] = (None, *STEP_TYPES)


def group_label(group: Any) -> str:
    labels = {
        "overdue": pgettext("worklist group", "Overdue"),
        "today": pgettext("worklist group", "Today"),
        "upcoming": pgettext("worklist group", "Upcoming"),
    }
    return labels.get(group, "")


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
    group_width = max(len(group_label(g)) for g in ("overdue", "today", "upcoming"))
    cols = [
        Column("group", pgettext("column", "When"), group_width, show=group_label),
        Column("planned", _("Planned"), 10, show=fmt.date),
        Column("dossier", _("Dossier"), 7),
        Column("customer", _("Customer"), 10),
    ]
    if wide:
        cols += [
            Column("customer_name", _("Name"), 18),
            Column("agent", pgettext("column", "agent"), 9),
        ]
    cols.append(Column("type", _("Type"), 10, show=lambda t: type_label(t) if t else ""))
    used = sum(c.width + 1 for c in cols) + 2  # separators, scrollbar
    room = max(width - used, 24)
    if not wide:
        return [*cols, Column("what", _("Step / pause"), room)]
    step = Column("step", _("Step"), room // 2)
    return [*cols, step, Column("info", _("Note / pause"), room - step.width - 1)]


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
            row["what"] = row["info"] if row["dossier_status"] == "paused" else row["step"]
        return rows


def _dossier_of(row: Row) -> str:
    return f"{row['dossier']} · {row['customer']}"


def _describe(row: Row) -> str:
    return f"{_dossier_of(row)} · {row['step']}"


def _titled(what: str, which: str) -> str:
    return f"{what} — {inert(which)}"


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
        self.set_filter(agent=self.rcv.backend.login if role == "agent" else None)

    def on_screen_resume(self, _event: ScreenResume) -> None:
        # Back from another screen (a dossier worked on there): show what changed.
        if self.started:
            self.reload(keep_cursor=True)

    # -- loading

    def reload(self, keep_cursor: bool = False) -> None:
        self.table.reload(keep_cursor)

    def show_totals(self, flt: WorklistFilter, totals: Row) -> None:
        if flt != self.filter:
            return  # counted for a filter changed since
        text = _("{overdue} overdue · {today} today · {upcoming} upcoming · {total} to do").format(
            **totals
        )
        self.query_one("#totals", Static).update(text)

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
        self.query_one("#detail", Static).update(text)

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

    def current(self) -> Row | None:
        row = self.table.body.current
        if row is None:
            self.notify(_("No action selected."), severity="warning")
        return row

    @work(thread=True, group="write", exit_on_error=False)
    def run_change(self, work: Callable[[Ctx], Any], done: Callable[[Any], str]) -> None:
        """Run one change; say what it did, or why it was refused; show the list as it is."""
        result = self.call_engine(work, write=True)
        if result is not None:
            self.rcv.call_from_thread(self.rcv.notify, done(result))
        self.rcv.call_from_thread(self.reload, True)

    def action_done(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(values: dict[str, Any]) -> None:
            self.run_change(
                lambda ctx: (
                    mark_done(
                        ctx,
                        row["id"],
                        values["day"],
                        values["note"] or None,
                        values["outcome"],
                        expected_version=row["version"],
                    ).done
                ),
                lambda day: _("Intervention {id} done on {day}.").format(
                    id=row["id"], day=fmt.date(day)
                ),
            )

        title = _titled(_("Mark done"), _describe(row))
        self.ask(DoneForm(title, self.rcv.backend.today), chosen)

    def action_skip(self) -> None:
        row = self.current()
        if row is None:
            return
        self.run_change(
            lambda ctx: mark_skipped(ctx, row["id"], expected_version=row["version"]).done,
            lambda day: _("Intervention {id} skipped on {day}.").format(
                id=row["id"], day=fmt.date(day)
            ),
        )

    def action_reschedule(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(values: dict[str, Any]) -> None:
            self.run_change(
                lambda ctx: (
                    reschedule(
                        ctx, row["id"], values["day"], expected_version=row["version"]
                    ).planned
                ),
                lambda day: _("Intervention {id} planned on {day}.").format(
                    id=row["id"], day=fmt.date(day)
                ),
            )

        title = _titled(_("Reschedule"), _describe(row))
        self.ask(DateForm(title, row["planned"]), chosen)

    def action_note(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(values: dict[str, Any]) -> None:
            self.run_change(
                lambda ctx: (
                    add_note(ctx, row["id"], values["note"], expected_version=row["version"]).id
                ),
                lambda ident: _("Note added to intervention {id}.").format(id=ident),
            )

        title = _titled(_("Add a note"), _describe(row))
        self.ask(NoteForm(title), chosen)

    def action_promise(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(values: dict[str, Any]) -> None:
            self.run_change(
                lambda ctx: (
                    pause(
                        ctx,
                        row["dossier"],
                        values["until"],
                        values["reason"],
                        values["amount"],
                        expected_version=row["dossier_version"],
                    ).pause_until
                ),
                lambda day: _("{number} paused until {day}.").format(
                    number=row["dossier"], day=fmt.date(day)
                ),
            )

        if row.get("dossier_status") == "paused" and row.get("pause_until"):
            until, reason, amount = row["pause_until"], row["pause_reason"], row["pause_amount"]
        else:
            until = self.rcv.backend.today + dt.timedelta(days=7)
            reason, amount = _("Promise to pay"), None
        title = _titled(_("Promise to pay"), _dossier_of(row))
        self.ask(PauseForm(title, until, reason, amount), chosen)

    def action_add(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(values: dict[str, Any]) -> None:

            def work(ctx: Ctx) -> tuple[int | None, dt.date]:
                item = add_manual(
                    ctx,
                    row["dossier"],
                    values["type"],
                    values["day"],
                    values["note"],
                    values["contact"] or None,  # empty: the dossier's main contact
                    values["promise_date"],
                    values["promise_amount"],
                )
                return item.id, item.planned

            self.run_change(
                work,
                lambda added: _("Intervention {id} planned on {day}.").format(
                    id=added[0], day=fmt.date(added[1])
                ),
            )

        title = _titled(_("Add an intervention"), _dossier_of(row))
        form = ManualForm(title, self.rcv.backend.today, list(STEP_TYPES), row.get("contact") or "")
        self.ask(form, chosen)

    # -- the dossier of the row: move it, edit it

    def action_move(self) -> None:
        row = self.current()
        if row is not None:
            self.with_dossier(row["dossier"], ask_move)

    def action_edit(self) -> None:
        row = self.current()
        if row is not None:
            self.with_dossier(row["dossier"], ask_edit)

    @work(thread=True, exclusive=True, group="dossier-page", exit_on_error=False)
    def with_dossier(self, number: str, ask: Callable[..., None]) -> None:
        """The forms need the dossier as it stands (its version, scenarios, contacts)."""
        data = self.call_engine(lambda ctx: dossier_page(ctx, number))
        if data is not None:
            self.rcv.call_from_thread(ask, self, data, self.run_dossier_change)

    def run_dossier_change(self, work: Callable[[Ctx], Any], done: str) -> None:
        self.run_change(work, lambda _result: done)

    # -- opening

    @on(TableBody.Selected)
    def row_selected(self, event: TableBody.Selected) -> None:
        self.open_dossier(event.row["dossier"])

    def open_dossier(self, number: str) -> None:
        from tui.screens.dossier_detail import open_dossier

        open_dossier(self.rcv, number, callback=lambda _r: self.reload(True))
