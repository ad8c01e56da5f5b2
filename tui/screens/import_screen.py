"""The Import screen (mode `0`): a CSV or FEC file of accounting entries imported in a
worker, with a progress bar, then the report (engine.import_report, the same sentences as
``import csv`` / ``import fec``). A refused file shows every bad line here, nothing written.
The rules are engine.csv_import and engine.fec_import (docs/IMPORT.md)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key
from textual.suggester import Suggester
from textual.widgets import Input, ProgressBar, RadioButton, RadioSet, Static
from textual.worker import get_current_worker

from engine.entry_formats import guess_format
from engine.errors import UserError
from engine.i18n import N_, _
from engine.import_report import report_lines, stage_label
from engine.inert import inert
from tui.screens.base import BaseScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.title_bar import TitleBar

SUFFIXES = (".csv", ".txt", ".fec")  # the files the path completion offers (and folders)
FORMATS = ("csv", "fec")


def expand(text: str) -> Path:
    """The path typed: ``~`` is the home folder; relative to the current folder (messages
    name it as typed, as the command line does)."""
    return Path(os.path.expanduser(text.strip()))


def complete_path(value: str) -> str | None:
    """``value`` completed with the first folder or importable file whose name continues
    it (a folder ends with ``/``), or None. Hidden files only when a ``.`` is typed."""
    if not value:
        return None
    head, sep, typed = value.rpartition(os.sep)
    folder = Path(os.path.expanduser(head + sep)) if sep else Path(".")
    try:
        names = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    for entry in names:
        name = entry.name
        if not name.startswith(typed) or name == typed:
            continue
        if name.startswith(".") and not typed.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            return value + name[len(typed) :] + os.sep
        if name.lower().endswith(SUFFIXES):
            return value + name[len(typed) :]
    return None


class PathSuggester(Suggester):
    """Suggests the rest of a folder or file name as the path is typed (Tab or → takes it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        # A folder may be large or on a network share: listed off the event loop.
        return await asyncio.to_thread(complete_path, value)


class PathInput(Input):
    """A path field whose Tab completes the name typed (the next field when there is
    nothing to complete)."""

    def on_key(self, event: Key) -> None:
        if event.key != "tab" or self.cursor_position != len(self.value):
            return
        # The suggestion shown (listed off the event loop) if it came; else, before it
        # came, the folder listed once for this key.
        completed = self._suggestion or complete_path(self.value)
        if completed:
            event.stop()
            event.prevent_default()
            self.value = completed
            self.cursor_position = len(completed)


class ReportScroll(VerticalScroll, inherit_bindings=False):
    """The report, scrolled by the arrows and pages; Textual's descriptions of those keys
    (in English) left out of the help and the palette."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]


def import_work(path: Path, kind: str, mapping: Path | None, progress: Any) -> Any:
    """The engine work of one import (in a worker), returning the report's lines."""

    def run(ctx: Any) -> list[str]:
        if kind == "fec":
            from engine.fec_import import import_fec

            report: Any = import_fec(ctx, path, progress)
        else:
            from engine.csv_import import import_csv

            report = import_csv(
                ctx, path, mapping, lambda done, total: progress("write", done, total)
            )
        return report_lines(report)

    return run


class ImportScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", N_("Import the file"), id="import.start"),
        Binding("escape", "leave_field", N_("Leave the field"), id="import.leave", show=False),
    ]
    HELP = N_(
        "Import accounting entries from a CSV or FEC file: type its path (Tab completes a "
        "folder or file name), check the format (guessed from the file's first line), give a "
        "mapping file for a CSV with other column names, then Enter or ctrl+s. Lines already "
        "imported are recognised: only their lettering and due date are updated. A file with "
        "a bad line is refused whole, every bad line named, nothing written. Escape leaves the "
        "field so that the screens' keys work. As commands: recouvrement import csv|fec FILE."
    )
    DEFAULT_CSS = """
    ImportScreen #title { height: 1; padding: 0 1; background: $panel; }
    ImportScreen .label { height: 1; padding: 0 1; color: $text-muted; }
    ImportScreen Input { margin: 0 1; }
    ImportScreen #format { height: 1; margin: 0 1; border: none; layout: horizontal; }
    ImportScreen #format RadioButton { width: auto; margin-right: 2; }
    ImportScreen #progress-row { height: 1; padding: 0 1; }
    ImportScreen #stage { width: 12; }
    ImportScreen #report { height: 1fr; padding: 0 1; }
    ImportScreen #report-text.error { color: $text-error; }
    """
    AUTO_FOCUS = "#path"

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An auditor (read-only) does not see the import key: the engine would refuse it."""
        actor = self.rcv.backend.actor
        return not (action == "start" and actor is not None and not actor.can_write)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(_("Import accounting entries"), id="title", markup=False)
        yield Static(_("File (CSV or FEC)"), classes="label", markup=False)
        start = str(Path.cwd()) + os.sep
        yield PathInput(
            start, id="path", compact=True, suggester=PathSuggester(), select_on_focus=False
        )
        yield Static(_("Format (guessed from the file's first line)"), classes="label")
        with RadioSet(id="format", compact=True):
            yield RadioButton("CSV", value=True, id="format-csv", compact=True)
            yield RadioButton("FEC", id="format-fec", compact=True)
        yield Static(_("CSV mapping file (optional, TOML)"), classes="label", markup=False)
        yield PathInput(
            "",
            placeholder=_("none: the usual column names"),
            id="mapping",
            compact=True,
            suggester=PathSuggester(),
            select_on_focus=False,
        )
        with Horizontal(id="progress-row"):
            yield Static("", id="stage", markup=False)
            yield ProgressBar(id="progress", show_eta=False)
        with ReportScroll(id="report"):
            yield Static(_("Enter or ctrl+s imports the file."), id="report-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Import")
        self.query_one("#progress-row").display = False
        self.query_one("#format", RadioSet).can_focus = True

    # -- the form

    @property
    def kind(self) -> str:
        return "fec" if self.query_one("#format-fec", RadioButton).value else "csv"

    def set_kind(self, kind: str) -> None:
        self.query_one(f"#format-{kind}", RadioButton).value = True

    @on(Input.Changed, "#path")
    def path_changed(self, event: Input.Changed) -> None:
        self.guess(event.value)

    @work(thread=True, exclusive=True, group="import-guess", exit_on_error=False)
    def guess(self, text: str) -> None:
        """The format of the file typed, from its first line (in a worker: the file may be
        on a slow disk)."""
        path = expand(text)
        if not text.strip() or not path.is_file():
            return
        kind = guess_format(path)
        # A newer path typed meanwhile cancelled this guess: its answer is stale.
        if kind is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.set_kind, kind)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_leave_field(self) -> None:
        self.query_one("#report").focus()

    # -- the import

    def action_start(self) -> None:
        if self.running:
            return  # one import at a time: a second Enter waits for the first
        text = self.query_one("#path", Input).value
        if not text.strip():
            self.show_result([_("Type the path of the file to import.")], error=True)
            return
        path = expand(text)
        mapping_text = self.query_one("#mapping", Input).value.strip()
        kind = self.kind
        mapping = expand(mapping_text) if mapping_text and kind == "csv" else None
        self.running = True
        self.show_progress("read", 0, 0)
        self.query_one("#progress-row").display = True
        self.show_result([_("Importing {path}…").format(path=path)])
        self.run_import(path, kind, mapping)

    @work(thread=True, exclusive=True, group="import-run", exit_on_error=False)
    def run_import(self, path: Path, kind: str, mapping: Path | None) -> None:
        from engine.turns import TURN_WAIT

        app = self.app

        def progress(stage: str, done: int, total: int) -> None:
            app.call_from_thread(self.show_progress, stage, done, total)

        if path.is_dir():  # here, not on the UI thread: the disk may be slow
            message = _("{path} is a folder: expected a CSV or FEC file.").format(path=path)
            app.call_from_thread(self.finished, [message], True)
            return
        try:
            lines = self.rcv.backend.write(
                import_work(path, kind, mapping, progress), wait=TURN_WAIT
            )
        except UserError as exc:
            app.call_from_thread(self.finished, exc.message.splitlines(), True)
            return
        except Exception:
            app.call_from_thread(self.finished, [], True)  # the app reports it (crash log)
            raise
        app.call_from_thread(self.finished, lines, False)

    def show_progress(self, stage: str, done: int, total: int) -> None:
        self.query_one("#stage", Static).update(stage_label(stage))
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=total or None, progress=done)

    def finished(self, lines: list[str], error: bool) -> None:
        self.running = False
        self.query_one("#progress-row").display = False
        if lines:
            self.show_result(lines, error=error)

    def show_result(self, lines: list[str], error: bool = False) -> None:
        """The report, or the refusal (every bad line): text from the file, shown inert."""
        shown = self.query_one("#report-text", Static)
        shown.set_class(error, "error")
        shown.update(inert("\n".join(lines), multiline=True))
        self.query_one("#report", VerticalScroll).scroll_home(animate=False)

    def report_text(self) -> str:
        """What the report area shows (tests)."""
        return str(self.query_one("#report-text", Static).content)
