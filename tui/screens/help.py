"""Help: every key of the screen it was opened from, generated from the bindings in force
(so rebinding a key in keys.toml changes the help too)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine.i18n import N_, _
from engine.inert import inert
from tui.screens.base import BaseModal


def key_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for the bindings active on ``screen``, without duplicates."""
    rows: dict[str, list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description:
            continue
        display = (
            screen.app.get_key_display(binding)
            if binding.key_display is None
            else (binding.key_display)
        )
        rows.setdefault(binding.description, [])
        if display not in rows[binding.description]:
            rows[binding.description].append(display or key)
    return [(" ".join(keys), description) for description, keys in rows.items()]


# Keys every list understands, bound on the list widget itself (no description there).
LIST_KEYS = (
    ("j k ↓ ↑", N_("Next / previous row")),
    ("g G", N_("First / last row")),
    ("PgUp PgDn", N_("Page up / down")),
    ("Enter", N_("Open")),
    ("Escape", N_("Back, or clear the filter")),
    ("ctrl+p", N_("Palette: jump to a dossier or customer, run any action")),
)


class HelpScreen(BaseModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", N_("Close"), id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.rows = key_rows(screen)
        self.title_text = screen.sub_title or screen.title or ""
        # A screen may say more than its keys (the scenarios screen: import and export).
        own = getattr(screen, "HELP", None)
        self.screen_help = _(own) if isinstance(own, str) and own else ""

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=True, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, description in self.rows:
            table.add_row(keys, description)
        table.add_row("", "")
        for keys, description in LIST_KEYS:
            table.add_row(keys, _(description))
        with VerticalScroll():
            yield Static(
                _("Keys — {screen}").format(screen=inert(self.title_text)),
                classes="title",
                markup=False,  # the title may name a customer
            )
            yield Static(table)
            if self.screen_help:
                yield Static(self.screen_help, classes="screen-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
