"""The Textual application: ten screens a key apart, everything by keyboard.

`1` Dossiers, `2` Actions, `3` Customers, `4` Scenarios, `5` Reminders, `6` Aged balance,
`7` Templates, `8` Company, `9` Rates and risks, `0` Import (each a mode with its own stack
of screens), `?` help, `ctrl+p` palette, `q` quit. Database work happens in worker
threads through ``tui.backend.Backend``; screens get plain dicts.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from engine.errors import UserError
from engine.i18n import N_, _
from engine.inert import inert
from tui import format as fmt
from tui.backend import Backend
from tui.crash import crash_summary, log_crash
from tui.keymap import load_keymap
from tui.palette import SYSTEM_PREFIX, ActionsProvider, JumpProvider, SystemProvider
from tui.screens.base import translate_bindings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tui.startup.messages import Message
    from tui.startup.prefetch import Prefetch

M = TypeVar("M", bound="Message")


# What the next keys need, imported once the first screen is drawn.
WARM_UP_MODULES = (
    "engine.reads.dossier_list",
    "engine.reads.dossier_page",
    "models.db",
    "tui.screens.dossier_detail",
    "tui.screens.forms",
    "tui.screens.actions",
    "tui.screens.customers",
    "tui.screens.scenarios",
)


SLOW_READ = 0.15  # seconds: a dossier not read by then opens at once, showing "Loading…"

_frozen = False


def freeze_start_up() -> None:
    """What start-up imported lives as long as the process: leave it out of every later
    garbage collection (once per process). The few hundred objects of garbage the imports
    left are frozen with it: collecting them first would hold the interpreter ~45 ms
    while the user may be typing."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def warm_reads(ctx: Any) -> None:
    """What the first Enter on a dossier needs, done once ahead: the holiday calendar, and a
    dossier read (SQLAlchemy compiles its statements on first use; the database's pages of
    the dossier tables come into the cache)."""
    from sqlmodel import select

    from engine.reads.dossier_page import dossier_page
    from models.tables import Dossier

    ctx.calendar.is_working_day(ctx.today)
    number = ctx.session.exec(select(Dossier.number).limit(1)).first()
    if number is not None:
        dossier_page(ctx, number)


def _dossiers() -> Screen[Any]:
    from tui.screens.dossiers import DossiersScreen

    return DossiersScreen()


def _actions() -> Screen[Any]:
    from tui.screens.actions import ActionsScreen

    return ActionsScreen()


def _customers() -> Screen[Any]:
    from tui.screens.customers import CustomersScreen

    return CustomersScreen()


def _scenarios() -> Screen[Any]:
    from tui.screens.scenarios import ScenariosScreen

    return ScenariosScreen()


def _reference() -> Screen[Any]:
    from tui.screens.reference import ReferenceScreen

    return ReferenceScreen()


def _company() -> Screen[Any]:
    from tui.screens.company import CompanyScreen

    return CompanyScreen()


def _reminders() -> Screen[Any]:
    from tui.screens.reminders import RemindersScreen

    return RemindersScreen()


def _aging() -> Screen[Any]:
    from tui.screens.aging import AgingScreen

    return AgingScreen()


def _import() -> Screen[Any]:
    from tui.screens.import_screen import ImportScreen

    return ImportScreen()


def _templates() -> Screen[Any]:
    from tui.screens.templates import TemplatesScreen

    return TemplatesScreen()


class RecouvrementApp(App[None]):
    TITLE = "Recouvrement"
    ENABLE_COMMAND_PALETTE = True
    # The app's own commands; Textual's generic ones only after ">" (tui.palette).
    COMMANDS: ClassVar[set[Any]] = {JumpProvider, ActionsProvider, SystemProvider}
    # The list is the first screen, not a mode switched to from Textual's empty default
    # screen: that switch restyled the app twice and the list once more before its first
    # paint (~25 ms).
    DEFAULT_MODE: ClassVar[str] = "dossiers"
    MODES: ClassVar[dict[str, Any]] = {
        "dossiers": _dossiers,
        "actions": _actions,
        "customers": _customers,
        "scenarios": _scenarios,
        "reference": _reference,
        "company": _company,
        "reminders": _reminders,
        "templates": _templates,
        "aging": _aging,
        "import": _import,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "mode('dossiers')", N_("Dossiers"), id="app.dossiers"),
        Binding("2", "mode('actions')", N_("Actions"), id="app.actions"),
        Binding("3", "mode('customers')", N_("Customers"), id="app.customers"),
        Binding("4", "mode('scenarios')", N_("Scenarios"), id="app.scenarios"),
        # Not in the key bar (it would not fit at 80 columns): in the help and the palette.
        Binding("5", "mode('reminders')", N_("Reminders"), id="app.reminders", show=False),
        Binding("6", "mode('aging')", N_("Aged balance"), id="app.aging", show=False),
        Binding("7", "mode('templates')", N_("Templates"), id="app.templates", show=False),
        Binding("8", "mode('company')", N_("Company"), id="app.company", show=False),
        Binding("9", "mode('reference')", N_("Rates and risks"), id="app.reference", show=False),
        Binding("0", "mode('import')", N_("Import"), id="app.import", show=False),
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("q", "quit", N_("Quit"), id="app.quit"),
    ]

    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        login: str,
        today: dt.date,
        prefetch: Prefetch | None = None,
    ) -> None:
        """``engine`` may be a function that makes it (called in a worker); ``prefetch``
        brings the first screenful read by the start-up process (tui.startup)."""
        super().__init__()
        translate_bindings(self)
        self.animation_level = "none"  # over SSH, nothing should move on its own
        self.backend = Backend(engine, login, today)
        self.login = login
        self.today = today
        self.prefetch = prefetch
        self.fatal: str | None = None  # why the app closed before it could work
        self.warmed = False
        self.keymap_error = ""  # why the key map file was not used
        # Modes whose screen exists (refreshed on return); the app starts in DEFAULT_MODE.
        self.modes_shown: set[str] = {self.DEFAULT_MODE}
        self.opening: Screen[Any] | None = None  # the screen a dossier is being opened over

    def prefetched(self, kind: type[M]) -> M | None:
        """The start-up process's answer of this kind (``tui.startup.messages.FirstRows``…),
        once, or None: read it yourself. Called from workers; a database that cannot be
        used, or a login it refuses, closes the app."""
        if self.prefetch is None:
            return None
        value = self.prefetch.take(kind)
        if self.prefetch.fatal is not None:
            self.call_from_thread(self.close_unusable, self.prefetch.fatal)
        return value

    def prefetched_now(self, kind: type[M]) -> M | None:
        """The same answer if it has arrived already, without waiting (on the UI thread, so
        the list shows it in its first frame); None: take it from a worker instead."""
        if self.prefetch is None or self.prefetch.fatal is not None:
            return None
        return self.prefetch.take(kind, timeout=0)

    def forget_prefetched(self) -> None:
        """The list was asked for something else: what the start-up process read is stale."""
        if self.prefetch is not None:
            self.prefetch.drop()

    def close_unusable(self, message: str) -> None:
        self.fatal = message
        # Through the message queue: the answer can come while the first screen is still
        # being composed, and leaving then would break its mounting.
        self.call_later(self.exit, return_code=2)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        # Workers waiting for the start-up process must not hold the app open.
        if self.prefetch is not None:
            self.prefetch.close()
        super().exit(*args, **kwargs)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (refusals quote names, codes, labels): shown inert and
        literally, never as markup (a name such as ``[/]`` would not even render)."""
        super().notify(
            inert(message), title=inert(title), severity=severity, timeout=timeout, markup=False
        )

    def format_title(self, title: str, sub_title: str) -> Content:
        # Titles name customers and dossiers: inert, like every text from data.
        return super().format_title(inert(title), inert(sub_title))

    def on_load(self) -> None:
        """Before the first screen is composed: its first frame shows the user's keys."""
        self.sub_title = f"{self.login} · {self.today.isoformat()}"
        try:
            keymap = load_keymap()
        except UserError as exc:
            self.keymap_error = exc.message  # said once there is a screen to say it on
            keymap = {}
        if keymap:
            self.set_keymap(keymap)

    def on_mount(self) -> None:
        if self.keymap_error:
            self.notify(self.keymap_error, severity="error", timeout=10)
        self.set_timer(1.0, self.warm_up)  # in case no list ever loads

    def on_table_body_loaded(self) -> None:
        # The first list is drawn: load in the background what the next keys will need.
        self.call_after_refresh(self.warm_up)

    def warm_up(self) -> None:
        if not self.warmed:  # decided here, on the UI thread: one warm-up only
            self.warmed = True
            self._warm_up()

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """Import the database layer and the other screens and build the holiday calendar
        now, while the user reads the list, so the next keys do not pay for them."""
        # Imports make no garbage worth collecting and run ~10 % faster without; a short
        # switch interval lets the UI thread take the interpreter back at once when it
        # has something to draw meanwhile.
        interval = sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(0.0005)
        try:
            for module in WARM_UP_MODULES:
                importlib.import_module(module)
            fmt.money(0)  # loads Babel's locale data, which the first paint goes without
        finally:
            sys.setswitchinterval(interval)
            freeze_start_up()
            gc.enable()
        if self.prefetch is not None:
            self.prefetch.wait()  # the start-up process checks the database first
            if self.prefetch.fatal is not None:
                return
        with suppress(UserError):  # the list has already said why this login cannot read
            self.backend.read(warm_reads)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly shows a message; the app stays up."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if isinstance(error, UserError):
            self.notify(error.message, severity="error", timeout=8)
            return
        path = log_crash(error)
        self.notify(
            _("Unexpected error: {error} (details in {path}).").format(
                error=crash_summary(error), path=path
            ),
            severity="error",
            timeout=15,
        )

    # -- the palette

    def action_command_palette(self) -> None:
        """The palette, saying in the reader's language what it finds."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = _(
                "Dossier, customer or action… ({prefix} for the display commands)"
            ).format(prefix=SYSTEM_PREFIX)
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The display commands the palette offers after ``>``, in the reader's language.
        Textual's Quit and Keys are left out: ``q`` and ``?`` (help) do that here."""
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_choose_theme)
        if screen.maximized is not None:
            yield SystemCommand(
                _("Minimize"), _("Show the whole screen again"), screen.action_minimize
            )
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(
                _("Maximize"),
                _("Show the focused part on the whole screen"),
                screen.action_maximize,
            )
        yield SystemCommand(
            _("Screenshot"),
            _("Save an SVG picture of the screen in the current folder"),
            lambda: self.set_timer(0.1, self.action_save_screenshot),
        )

    def action_choose_theme(self) -> None:
        from textual.theme import ThemeProvider

        self.push_screen(
            CommandPalette(providers=[ThemeProvider], placeholder=_("Search for a theme…"))
        )

    def action_save_screenshot(self) -> None:
        try:
            path = self.save_screenshot()
        except OSError as exc:
            self.notify(
                _("The screenshot could not be saved: {reason}.").format(
                    reason=exc.strerror or type(exc).__name__
                ),
                severity="error",
            )
            return
        self.notify(_("Screenshot saved to {path}.").format(path=path))

    def action_mode(self, mode: str) -> None:
        back = mode in self.modes_shown and mode != self.current_mode
        self.modes_shown.add(mode)
        self.switch_mode(mode)
        if back:  # its screen may show what a change made in another mode has changed
            self.refresh_screen(self.screen)

    # -- navigation: screens open dossiers and customers here, not by importing each other

    def refresh_screen(self, screen: Screen[Any]) -> None:
        """Show ``screen`` as stored now (the user is back on it), if it is still current."""
        refresh = getattr(screen, "refresh_view", None)
        if screen is self.screen and callable(refresh):
            refresh()

    def push_over(self, origin: Screen[Any], screen: Screen[Any]) -> None:
        """Push ``screen``; when it closes, ``origin`` (below) shows what changed meanwhile."""
        self.push_screen(screen, callback=lambda _result: self.refresh_screen(origin))

    def open_customer(self, code: str) -> None:
        from tui.screens.customers import CustomerDetailScreen

        self.push_over(self.screen, CustomerDetailScreen(code))

    def new_dossier(self, customer_code: str | None = None) -> None:
        """The new dossier form; the dossier opened, the screen below refreshes and the
        dossier shows."""
        from tui.screens.new_dossier import NewDossierScreen

        origin = self.screen

        def opened(number: str | None) -> None:
            if number:
                self.refresh_screen(origin)
                self.open_dossier(number)

        self.push_screen(NewDossierScreen(customer_code), callback=opened)

    def open_dossier(self, number: str) -> None:
        """Read the dossier, then push its screen with it: one paint with everything in
        place rather than an empty screen filled in a moment later. A slow read opens the
        screen first, so Enter always answers within ``SLOW_READ``.

        The screen opens over the one Enter was pressed on, or not at all if the user has
        moved on meanwhile; a second Enter before it opens does nothing."""
        from tui.screens.dossier_detail import DossierDetailScreen

        origin = self.screen
        if self.opening is origin:
            return
        self.opening = origin
        opened: list[DossierDetailScreen | None] = []  # the screen, or None: not opened

        def push(data: dict[str, Any] | None) -> None:
            if not opened:  # the first of the read and the timer
                if self.opening is origin:
                    self.opening = None
                timer.stop()
                if self.screen is not origin:
                    opened.append(None)  # the user went elsewhere: do not open it there
                    return
                screen = DossierDetailScreen(number, data)
                opened.append(screen)
                self.push_over(origin, screen)
                return
            # The read ended after the screen opened "Loading…" (and it is still open).
            shown = opened[0]
            if shown is None or data is None or shown not in self.screen_stack:
                return
            if not shown.is_mounted:
                shown.initial = data  # shown as it mounts
            elif shown.data is None:
                shown.show(data)

        def read() -> None:
            from engine.reads.dossier_page import dossier_page

            try:
                data = self.backend.read(lambda ctx: dossier_page(ctx, number))
            except UserError:
                data = None  # the screen reads it again and says why
            self.call_from_thread(push, data)

        timer = self.set_timer(SLOW_READ, lambda: push(None))
        self.run_worker(read, thread=True, group="open-dossier", exit_on_error=False)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_quit(self) -> None:  # type: ignore[override]
        """Leave at once, unless an edit would be lost: then ask first."""
        guard = getattr(self.screen, "unsaved_changes", None)
        if callable(guard) and guard():
            from tui.screens.forms import ConfirmForm

            def answered(leave: bool | None) -> None:
                if leave:
                    self.exit()

            self.push_screen(
                ConfirmForm(_("Quit and lose the unsaved changes?")), callback=answered
            )
            return
        self.exit()


def run_app(
    engine: Engine | Callable[[], Engine],
    login: str,
    today: dt.date,
    prefetch: Prefetch | None = None,
) -> str | None:
    """Run the TUI; returns why it could not work, if it could not."""
    app = RecouvrementApp(engine, login, today, prefetch)
    try:
        app.run()
    finally:
        if prefetch is not None:
            prefetch.close()
    return app.fatal
