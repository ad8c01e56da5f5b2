"""What every screen shares: translated key descriptions, database work in workers, and
errors shown as messages (never a crash)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.events import DescendantFocus, Key, Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from engine.errors import UserError
from engine.i18n import _
from tui.widgets.columns import Row
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable
from tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from tui.app import RecouvrementApp

T = TypeVar("T")


def translate_bindings(node: DOMNode) -> None:
    """Binding descriptions are written as catalog ids (N_) and translated per instance, so
    the footer and help speak the language chosen at start-up.

    Textual has no public way to change a binding's description per instance, so this edits
    the node's private ``_bindings``: pyproject pins Textual's minor version for it, and
    tests/test_textual_bindings.py checks it before the pin moves."""
    bindings = node._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            dataclasses.replace(b, description=_(b.description)) if b.description else b
            for b in items
        ]


class Base:
    """Mixed into screens: ``self.rcv`` is the app with its backend."""

    @property
    def rcv(self) -> RecouvrementApp:
        return self.app  # type: ignore[attr-defined,no-any-return]

    def ask(self, form: Screen[Any], then: Callable[[Any], None]) -> None:
        """Show a form; ``then`` gets what it collected (nothing happens on Escape)."""

        def answered(result: Any) -> None:
            if result is not None:
                then(result)

        self.rcv.push_screen(form, callback=answered)

    def call_engine(self, work: Callable[[Any], T], *, write: bool = False) -> T | None:
        """Run engine work (in a worker thread); a refusal becomes a message on screen."""
        backend = self.rcv.backend
        try:
            return backend.write(work) if write else backend.read(work)
        except UserError as exc:
            self.rcv.call_from_thread(self.rcv.notify, exc.message, severity="error", timeout=8)
            return None


class BaseScreen(Base, Screen[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    def refresh_view(self) -> None:
        """Show what is stored now, keeping the cursor: the app calls it when the user comes
        back to this screen (a dossier or customer opened over it closed, its mode chosen
        again), since something may have changed meanwhile."""


class ReadListScreen(BaseScreen):
    """A screen of one list the engine reads whole in one call (the company's settings,
    the letter templates): the title line, a heading, the list, what ``below`` adds, the
    key bar. It reads in a worker when it mounts and when the app comes back to it, then
    ``show`` fills it; ``load(focus)`` reads again, keeping the cursor on ``focus``."""

    def __init__(self, table: LazyTable) -> None:
        super().__init__()
        self.data: Row | None = None  # the last read, once there is one
        self.table = table

    # -- what a screen of this kind says

    def heading(self) -> str:
        raise NotImplementedError

    def name_shown(self) -> str:
        """Its name in the title line."""
        raise NotImplementedError

    def columns(self, width: int) -> list[Column]:
        raise NotImplementedError

    def read(self, ctx: Any) -> Row:
        """The engine read (in a worker thread)."""
        raise NotImplementedError

    def show(self, data: Row, focus: str | None = None) -> None:
        raise NotImplementedError

    def below(self) -> ComposeResult:
        yield from ()

    # -- the same for all

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(self.heading(), id="title", markup=False)
        yield self.table
        yield from self.below()
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = self.name_shown()
        self.table.body.focus()
        self.load()

    def on_resize(self, event: Resize) -> None:
        self.table.set_columns(self.columns(event.size.width))

    def refresh_view(self) -> None:
        if self.data is not None:
            self.load()

    @work(thread=True, exclusive=True, group="list-read", exit_on_error=False)
    def load(self, focus: str | None = None) -> None:
        data = self.call_engine(self.read)
        if data is not None:
            self.rcv.call_from_thread(self.show, data, focus)


class BaseModal(Base, ModalScreen[Any]):
    """A modal screen; a form among them saves with ``save``: the engine work runs in a
    worker, a refusal shows in the form (``show_error``), which stays open with what was
    typed, and ``then`` gets the result once saved (typically to dismiss)."""

    # Switching screens under a modal would leave it behind: the screens' keys 0–9 do
    # nothing here (typed into a text field they are text, as always).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, "nothing", show=False) for key in "0123456789"
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)
        self.saving = False

    def action_nothing(self) -> None:
        pass

    def show_error(self, message: str) -> None:
        """Show a refusal inside the form (an empty message clears it)."""
        raise NotImplementedError

    def refused(self, message: str) -> None:
        """After a refusal is shown: a hook (the screen below may reload)."""

    def unsaved_changes(self) -> bool:
        """Whether closing would lose something typed (forms say; ``q`` asks first too)."""
        return False

    def close_asking(self) -> None:
        """Close without saving (Escape); when something was typed, ask first, as ``q``
        does."""
        if not self.unsaved_changes():
            self.dismiss(None)
            return
        from tui.screens.forms import ConfirmForm  # forms.py builds on this module

        def answered(close: bool | None) -> None:
            if close:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmForm(_("Close the form and lose what was typed?")), callback=answered
        )

    def save(self, work: Callable[[Any], T], then: Callable[[T], object]) -> None:
        if self.saving:
            return  # one save at a time: a second Enter waits for the first answer
        self.saving = True
        self.show_error("")
        self._save(work, then)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, work: Callable[[Any], Any], then: Callable[[Any], object]) -> None:
        try:
            result = self.rcv.backend.write(work)
        except UserError as exc:
            self.rcv.call_from_thread(self._refused, exc.message)
            return
        except Exception:
            # The app reports it (crash log); the form stays usable for another try.
            self.rcv.call_from_thread(self._refused, "")
            raise
        self.rcv.call_from_thread(self._saved, then, result)

    def _saved(self, then: Callable[[Any], object], result: Any) -> None:
        self.saving = False
        if self.is_current:  # not left with Escape meanwhile (dismissing would close another)
            then(result)

    def _refused(self, message: str) -> None:
        self.saving = False
        if not self.is_current:
            return
        self.show_error(message)
        if message:
            self.refused(message)


class FilteredListScreen(BaseScreen):
    """A list with a filter box ``#filter``: typing filters as you type, Enter goes to the
    first match, Escape clears. Subclasses have ``self.table``, ``self.filter`` (a frozen
    dataclass: with ``sort`` and ``descending`` when the list sorts), ``columns(width)`` and
    ``set_filter(**changes)``; ``o`` and ``r`` (when bound) sort by the next column and
    reverse."""

    DEFAULT_CSS = """
    FilteredListScreen #totals { height: 1; padding: 0 1; background: $panel; }
    FilteredListScreen #bar { height: 1; }
    FilteredListScreen #filter { width: 1fr; border: none; height: 1; padding: 0 1; }
    FilteredListScreen #flags { width: auto; padding: 0 1; color: $text-muted; }
    """

    # The list, not the filter box, has the focus from the first frame: keys typed while the
    # screen mounts are commands (`d` marks done), not text for the filter.
    AUTO_FOCUS = "TableBody"

    table: LazyTable
    filter: Any
    typing_ahead = False  # keys arriving behind the filter key, before the box has the focus

    def columns(self, width: int) -> list[Column]:
        raise NotImplementedError

    def set_filter(self, **changes: Any) -> None:
        raise NotImplementedError

    def list_top(self, placeholder: str) -> ComposeResult:
        """Title, totals line, then the filter box beside the flags in force."""
        yield TitleBar()
        yield Static("", id="totals", markup=False)
        with Horizontal(id="bar"):
            yield Input(placeholder=placeholder, id="filter")
            yield Static("", id="flags", markup=False)  # may name an agent: data

    def show_sort(self) -> None:
        self.table.show_sort(
            getattr(self.filter, "sort", None), getattr(self.filter, "descending", False)
        )

    def on_resize(self, event: Resize) -> None:
        self.table.set_columns(
            self.columns(event.size.width),
            getattr(self.filter, "sort", None),
            getattr(self.filter, "descending", False),
        )

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(text=event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.table.body.focus()
        self.table.body.action_first()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(DescendantFocus)
    def focus_moved(self, _event: DescendantFocus) -> None:
        self.typing_ahead = False  # whatever has the focus now takes the keys

    def on_key(self, event: Key) -> None:
        """Over SSH the filter key and the text typed after it come in one read: Textual
        hands each key to the list before the filter key's action moves the focus, so the
        keys queued behind it are text for the filter, not commands for the list."""
        box = self.query_one("#filter", Input)
        if self.focused is box:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.binding.action == "focus_filter":
            self.typing_ahead = True  # (whatever key the key map gives it)
        elif self.typing_ahead and event.is_printable and event.character:
            box.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        self.table.body.focus()

    def action_sort(self) -> None:
        keys = [c.sort for c in self.table.columns if c.sort]
        current = keys.index(self.filter.sort) if self.filter.sort in keys else -1
        self.set_filter(sort=keys[(current + 1) % len(keys)], descending=False)

    def action_reverse(self) -> None:
        self.set_filter(descending=not self.filter.descending)
