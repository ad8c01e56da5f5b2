"""Scenarios (managers): the list on the left, the steps of the highlighted scenario on the
right, edited in place from the keyboard (tui.widgets.step_sheet) and saved whole with ctrl+s.

The step sheet holds the values as typed; the engine validates them on save
(engine.scenario_admin.save_steps) and names the step, field and value it refuses, so a
bad value stays on screen to be corrected. Agents see everything read-only: once their role
is known the keys that change something are not offered; a change tried before that gets
the engine's refusal.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Static
from textual.worker import get_current_worker

from engine.access import require_manager
from engine.context import Ctx
from engine.errors import UserError
from engine.i18n import N_, _, ngettext
from engine.inert import inert
from engine.reads.views import scenario_rows
from engine.risks import add_risk
from engine.scenario_admin import (
    ScenarioInUse,
    StepInvalid,
    create_scenario,
    delete_scenario,
    duplicate_scenario,
    move_dossiers,
    rename_scenario,
    risk_codes,
    save_steps,
    scenario_detail,
)
from tui import format as fmt
from tui.screens.base import BaseScreen
from tui.screens.forms import ConfirmForm
from tui.screens.prompts import ChoiceModal, PromptModal
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row, TableBody
from tui.widgets.step_sheet import EDITABLE, StepGrid, edit_row, values
from tui.widgets.title_bar import TitleBar


def _is_manager(ctx: Ctx) -> bool:
    require_manager(ctx.actor)
    return True


class ScenarioSource:
    """Every scenario (a company has a handful): read once per reload, in the worker."""

    def __init__(self, screen: ScenariosScreen) -> None:
        self.screen = screen
        self.rows: list[Row] = []

    def _read(self) -> None:
        rows = self.screen.rcv.backend.read(lambda ctx: scenario_rows(ctx.session))
        self.rows = [
            {"name": r["name"], "steps": len(r["steps"]), "open_dossiers": r["open_dossiers"]}
            for r in rows
        ]

    def count(self) -> int:
        self._read()
        return len(self.rows)

    def fetch(self, offset: int, limit: int) -> list[Row]:
        if offset == 0:
            self._read()  # the table may ask for the first rows before it counts them
        return self.rows[offset : offset + limit]


def list_columns(name_width: int = 15) -> list[Column]:
    return [
        Column("name", _("Scenario"), name_width),
        Column("steps", _("Steps"), 6, right=True),
        Column("open_dossiers", _("Dossiers"), 8, right=True),
    ]


# The screen's keys that change something (the sheet has its own: step_sheet.EDIT_ACTIONS).
CHANGE_ACTIONS = ("save", "new", "duplicate", "rename", "delete", "risk_code")


class ScenariosScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), id="scenarios.save"),
        Binding("n", "new", N_("New"), id="scenarios.new"),
        Binding("c", "duplicate", N_("Duplicate"), id="scenarios.duplicate"),
        Binding("R", "rename", N_("Rename"), id="scenarios.rename"),
        Binding("D", "delete", N_("Delete"), id="scenarios.delete"),
        Binding("r", "risk_code", N_("New risk code"), id="scenarios.risk"),
    ]
    HELP = N_(
        "As files: recouvrement scenario export NAME > FILE.toml, "
        "recouvrement scenario import FILE.toml"
    )
    DEFAULT_CSS = """
    ScenariosScreen #left { width: 32; border-right: solid $panel; }
    ScenariosScreen #hint { color: $text-muted; height: auto; padding: 0 1; }
    ScenariosScreen #title { height: 1; padding: 0 1; background: $panel; }
    ScenariosScreen #message { height: auto; max-height: 4; padding: 0 1; }
    ScenariosScreen #message.error { color: $error; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.source = ScenarioSource(self)
        self.table = LazyTable(list_columns(), self.source, id="scenario-list")
        self.grid = StepGrid(id="steps")
        self.detail: Row | None = None  # the scenario shown (without its steps)
        self.original: list[dict[str, Any]] = []
        self.manager: bool | None = None  # not known until the first read
        self.risk_codes: list[str] = []
        self.want: str | None = None  # the scenario to highlight after the next reload
        self.warned_for: str | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal():
            with Vertical(id="left"):
                yield self.table
                yield Static(_(self.HELP), id="hint", markup=False)
            with Vertical(id="right"):
                yield Static("", id="title", markup=False)
                yield self.grid
                yield Static("", id="message", markup=False)
        yield KeyBar()

    def on_resize(self, event: Resize) -> None:
        # Wide terminals show more of the scenario names.
        wide = event.size.width >= 110
        cols = list_columns(24 if wide else 15)
        if cols != self.table.columns:
            self.query_one("#left").styles.width = sum(c.width + 1 for c in cols) + 1
            self.table.set_columns(cols)

    def on_mount(self) -> None:
        self.sub_title = _("Scenarios")
        self.table.body.focus()
        self.table.reload(keep_cursor=False)
        self.load_people()

    # -- state

    def unsaved_changes(self) -> bool:
        return self.grid.editing or (
            self.detail is not None and values(self.grid.rows) != values(self.original)
        )

    def may_change(self) -> bool:
        """Managers change scenarios; anyone else hears the engine refuse."""
        if self.manager:
            return True
        self.refuse()
        return False

    def read_only(self) -> bool:
        """Known not to be a manager (until the role is read, the keys are offered)."""
        return self.manager is False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHANGE_ACTIONS and self.read_only():
            return False  # an agent is not offered what the engine would refuse
        list_actions = ("new", "duplicate", "rename", "delete")
        if action in list_actions and self.focused is not self.table.body:
            return False  # these act on the highlighted scenario of the list
        if action == "save" and not self.unsaved_changes():
            return None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def show_message(self, text: str, error: bool = False) -> None:
        box = self.query_one("#message", Static)
        box.update(inert(text))  # refusals quote names
        box.set_class(error, "error")

    def show_title(self) -> None:
        if self.detail is None:
            self.query_one("#title", Static).update("")
            return
        parts = [
            inert(self.detail["name"]),
            _("version {n}").format(n=self.detail["version"]),
            ngettext("{n} open dossier", "{n} open dossiers", self.detail["open_dossiers"]).format(
                n=self.detail["open_dossiers"]
            ),
        ]
        if self.manager is False:
            parts.insert(0, _("read-only"))
        if self.unsaved_changes():  # first: a long name must not hide it
            parts.insert(0, _("modified"))
        self.query_one("#title", Static).update(" · ".join(parts), layout=False)  # one line

    # -- loading

    @work(thread=True, exclusive=True, group="people", exit_on_error=False)
    def load_people(self) -> None:
        found = self.call_engine(
            lambda ctx: (ctx.actor.is_manager, [r["code"] for r in risk_codes(ctx.session)])
        )
        if found is not None:
            self.rcv.call_from_thread(self._people_loaded, *found)

    def _people_loaded(self, manager: bool, codes: list[str]) -> None:
        self.manager, self.risk_codes = manager, codes
        self.show_title()
        self.refresh_bindings()  # the keys follow the role

    @work(thread=True, exclusive=True, group="refuse", exit_on_error=False)
    def refuse(self) -> None:
        # The engine's own refusal, in the reader's language; a manager whose role was
        # not loaded yet passes and may try again.
        if self.call_engine(_is_manager):
            self.rcv.call_from_thread(self._people_loaded, True, self.risk_codes)

    def reload_list(self, want: str | None = None) -> None:
        self.want = want
        self.table.reload(keep_cursor=True)

    @on(TableBody.Loaded)
    def list_loaded(self, event: TableBody.Loaded) -> None:
        if self.want is None:
            return
        body = self.table.body
        for index in range(event.count):
            row = body.row_at(index)
            if row is not None and row["name"] == self.want:
                body.action_cursor(index - body.cursor)  # one move: one Highlighted
                break
        self.want = None

    @on(TableBody.Highlighted)
    def list_highlighted(self, event: TableBody.Highlighted) -> None:
        if event.row is None:
            if event.index == 0 and self.table.body.count == 0:
                self.show_detail(None)
            return
        name = event.row["name"]
        if self.detail is not None and name == self.detail["name"]:
            self.workers.cancel_group(self, "detail")  # back on it before another loaded
            return
        if self.unsaved_changes():
            if self.warned_for != name:
                self.warned_for = name
                self.show_message(self.unsaved_message(), error=True)
            return
        self.load_detail(name)

    def unsaved_message(self) -> str:
        assert self.detail is not None
        return _(
            "Unsaved changes to {name}: save them (ctrl+s) or drop them (Escape in the "
            "steps) first."
        ).format(name=self.detail["name"])

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, name: str, message: str = "") -> None:
        worker = get_current_worker()
        detail = self.call_engine(lambda ctx: scenario_detail(ctx.session, name))
        if detail is not None and not worker.is_cancelled:
            self.rcv.call_from_thread(self._detail_loaded, detail, message)

    def _detail_loaded(self, detail: Row, message: str) -> None:
        current = self.table.body.current
        if current is not None and current["name"] != detail["name"]:
            return  # the cursor moved on meanwhile: what is under it is shown or loading
        self.show_detail(detail, message)

    def show_detail(self, detail: Row | None, message: str = "") -> None:
        self.warned_for = None
        if detail is None:
            self.detail, self.original = None, []
            self.grid.set_rows([], (0, 0))
        else:
            steps = detail["steps"]
            self.detail = {k: v for k, v in detail.items() if k != "steps"}
            self.original = [edit_row(s) for s in steps]
            same = self.grid.rows and len(self.grid.rows) == len(steps)
            cursor = (self.grid.row, self.grid.col) if same else (0, 0)
            self.grid.set_rows(copy.deepcopy(self.original), cursor)
        self.show_title()
        self.show_message(message or self.step_hint())
        self.refresh_bindings()

    # -- grid callbacks

    def steps_changed(self) -> None:
        self.show_title()
        self.show_message(self.step_hint())
        self.refresh_bindings()

    def cursor_moved(self) -> None:
        self.show_message(self.step_hint())

    def step_hint(self) -> str:
        """Why a step cannot be renamed or moved: open dossiers stand at it."""
        rows, index = self.grid.rows, self.grid.row
        if not rows or index >= len(rows) or not rows[index].get("dossiers"):
            return ""
        count = rows[index]["dossiers"]
        return ngettext(
            "{n} open dossier stands at this step: keep its name and place.",
            "{n} open dossiers stand at this step: keep its name and place.",
            count,
        ).format(n=count)

    def escape_from_grid(self) -> None:
        """Back to the list; with changes not saved, asks first whether to drop them."""
        if self.unsaved_changes() and self.detail is not None:

            def answered(drop: bool | None) -> None:
                if drop and self.detail is not None:
                    self._drop_changes()

            self.app.push_screen(
                ConfirmForm(
                    _("Drop the unsaved changes to {name}?").format(name=self.detail["name"])
                ),
                callback=answered,
            )
            return
        self.table.body.focus()

    def _drop_changes(self) -> None:
        assert self.detail is not None
        self.grid.set_rows(copy.deepcopy(self.original))
        self.show_title()
        self.show_message(self.step_hint())
        self.rcv.notify(_("Changes dropped."))
        self.refresh_bindings()
        current = self.table.body.current
        if current is not None and current["name"] != self.detail["name"]:
            self.load_detail(current["name"])

    @on(TableBody.Selected)
    def list_selected(self) -> None:
        if self.grid.rows:
            self.grid.focus()

    # -- saving

    def action_save(self) -> None:
        if not self.may_change() or self.detail is None:
            return
        if self.grid.editing:
            self.grid.commit_editor()
        if not self.unsaved_changes():
            return
        self.save(self.detail["name"], values(self.grid.rows), self.detail["version"])

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save(self, name: str, steps: list[dict[str, Any]], version: int) -> None:
        try:
            detail = self.rcv.backend.write(lambda ctx: save_steps(ctx, name, steps, version))
        except StepInvalid as exc:
            self.rcv.call_from_thread(self._invalid, exc)
            return
        except UserError as exc:  # a Conflict, a guard for open dossiers, a refusal
            self.rcv.call_from_thread(self.show_message, exc.message, True)
            self.rcv.call_from_thread(self.rcv.notify, exc.message, severity="error", timeout=8)
            return
        text = _("Scenario {name!r} saved (version {n}).").format(name=name, n=detail["version"])
        self.rcv.call_from_thread(self._saved, detail, text)

    def _invalid(self, exc: StepInvalid) -> None:
        # The edit stays; the cursor goes to the value to correct.
        self.grid.row = exc.step_no - 1
        keys = [c.key for c in EDITABLE]
        if exc.field in keys:
            self.grid.col = keys.index(exc.field)
        self.grid.paint_cursor()
        self.grid.focus()
        self.show_message(exc.message, error=True)

    def _saved(self, detail: Row, text: str) -> None:
        self.show_detail(detail, text)
        self.reload_list(detail["name"])

    # -- list actions

    def _list_ready(self) -> str | None:
        """The highlighted scenario, when a list action may run on it."""
        if not self.may_change():
            return None
        if self.unsaved_changes():
            self.show_message(self.unsaved_message(), error=True)
            return None
        row = self.table.body.current
        return None if row is None else str(row["name"])

    def _version_of(self, name: str) -> int | None:
        return self.detail["version"] if self.detail and self.detail["name"] == name else None

    def action_new(self) -> None:
        if not self.may_change():
            return
        if self.unsaved_changes():
            self.show_message(self.unsaved_message(), error=True)
            return
        self.app.push_screen(
            PromptModal(
                _("New scenario (it starts with one phone step)"),
                [("name", _("Name"), "")],
                lambda ctx, data: create_scenario(ctx, data["name"]),
            ),
            callback=self._changed_to,
        )

    def action_duplicate(self) -> None:
        name = self._list_ready()
        if name is None:
            return
        self.app.push_screen(
            PromptModal(
                _("Duplicate {name!r}").format(name=name),
                [("name", _("Name of the copy"), _("{name} (copy)").format(name=name))],
                lambda ctx, data: duplicate_scenario(ctx, name, data["name"]),
            ),
            callback=self._changed_to,
        )

    def action_rename(self) -> None:
        name = self._list_ready()
        if name is None:
            return
        version = self._version_of(name)
        self.app.push_screen(
            PromptModal(
                _("Rename {name!r}").format(name=name),
                [("name", _("New name"), name)],
                lambda ctx, data: rename_scenario(ctx, name, data["name"], version),
            ),
            callback=self._changed_to,
        )

    def _changed_to(self, detail: Row | None) -> None:
        if detail is None:
            return
        self.show_detail(detail)
        self.reload_list(detail["name"])

    def action_delete(self) -> None:
        name = self._list_ready()
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete(name, self._version_of(name))

        self.app.push_screen(
            ConfirmForm(_("Delete scenario {name!r}?").format(name=name)), callback=confirmed
        )

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def delete(self, name: str, version: int | None) -> None:
        try:
            self.rcv.backend.write(lambda ctx: delete_scenario(ctx, name, version))
        except ScenarioInUse as exc:
            others = [r["name"] for r in self.source.rows if r["name"] != name]
            self.rcv.call_from_thread(self._offer_move, name, exc, others)
            return
        except UserError as exc:
            self.rcv.call_from_thread(self.rcv.notify, exc.message, severity="error", timeout=8)
            return
        self.rcv.call_from_thread(self._deleted, _("Scenario {name!r} deleted.").format(name=name))

    def _offer_move(self, name: str, exc: ScenarioInUse, others: list[str]) -> None:
        if not others:
            self.rcv.notify(exc.message, severity="error", timeout=8)
            return
        message = "\n".join(
            [
                exc.message,
                ngettext(
                    "Move it to the first step of which scenario, then delete {name!r}?",
                    "Move them to the first step of which scenario, then delete {name!r}?",
                    exc.count,
                ).format(name=name),
            ]
        )

        def chosen(target: str | None) -> None:
            if target:
                self.move_and_delete(name, target)

        self.app.push_screen(ChoiceModal(message, others), callback=chosen)

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def move_and_delete(self, name: str, target: str) -> None:
        title = self.sub_title

        def progress(done: int, total: int) -> None:
            text = _("moving dossiers to {target!r}: {done} of {total}…").format(
                target=target, done=fmt.number(done), total=fmt.number(total)
            )
            self.rcv.call_from_thread(setattr, self, "sub_title", f"{title} — {text}")

        def work(ctx: Ctx) -> list[str]:
            moved = move_dossiers(ctx, name, target, progress=progress)
            delete_scenario(ctx, name)
            return moved

        try:
            moved = self.call_engine(work, write=True)  # one unit of work: all or nothing
        finally:
            self.rcv.call_from_thread(setattr, self, "sub_title", title)
        if moved is None:
            return
        text = ngettext(
            "{n} dossier moved to {target!r}; scenario {name!r} deleted.",
            "{n} dossiers moved to {target!r}; scenario {name!r} deleted.",
            len(moved),
        ).format(n=len(moved), target=target, name=name)
        self.rcv.call_from_thread(self._deleted, text)

    def _deleted(self, text: str) -> None:
        self.rcv.notify(text)
        self.detail = None
        self.reload_list()

    def action_risk_code(self) -> None:
        if not self.may_change():
            return
        self.app.push_screen(
            PromptModal(
                _("New risk code"),
                [("code", _("Code"), ""), ("label", _("Label"), "")],
                lambda ctx, data: add_risk(ctx, data["code"], data["label"]),
            ),
            callback=self._risk_added,
        )

    def _risk_added(self, row: Row | None) -> None:
        if row is not None:
            self.risk_codes.append(row["code"])
            self.rcv.notify(_("Risk code {code!r} added.").format(code=row["code"]))
