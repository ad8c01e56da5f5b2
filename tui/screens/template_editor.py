"""The boxes of the Templates screen (mode `7`): a template's text in an editor, and the
letter a template makes with a real dossier, read-only.

``TemplateEditor`` is a form (tui.screens.forms): ctrl+s saves through the engine in a
worker; a refusal (an unknown placeholder, a syntax error, something the sandbox refuses)
shows inside the box with the line, the cursor goes to that line and the text stays as
typed; Escape with changes asks first. ``TemplatePreview`` reads the preview in a worker
and shows it in a scrollable read-only view.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static, TextArea

from engine.errors import UserError
from engine.i18n import N_, _
from engine.inert import inert
from tui import format as fmt
from tui.screens.base import BaseModal
from tui.screens.forms import FormModal
from tui.widgets.key_bar import KeyBar


def refused_line(message: str) -> int | None:
    """The line a refusal names ("Line 3: …", "Ligne 3 : …"), or None."""
    word = _("Line {line}: {problem}").split("{line}")[0].strip()
    if not word:
        return None
    found = re.search(re.escape(word) + r"\s+(\d+)", message)
    return int(found.group(1)) if found else None


class TemplateEditor(FormModal):
    """A template's text in a TextArea (line numbers on: refusals name lines). Dismisses
    with the saver's result once saved. ``original``: the text Escape compares with (the
    text in force), when the box opens on something else (an $EDITOR's refused text);
    ``error``: a refusal to show as it opens."""

    DEFAULT_CSS = """
    TemplateEditor > #box { width: 100%; height: 100%; max-height: 100%; }
    TemplateEditor #hint { color: $text-muted; height: auto; }
    TemplateEditor #body { height: 1fr; min-height: 5; }
    TemplateEditor #error { max-height: 6; overflow-y: auto; }
    """

    def __init__(
        self, title: str, body: str, *, original: str | None = None, error: str = ""
    ) -> None:
        super().__init__(title)
        self.body = body
        self.original = original
        self.error = error

    def fields(self) -> ComposeResult:
        yield Static(
            _(
                "The first line is the letter's object. Placeholders: {{ customer.name }}, "
                "{{ dossier.number }}…; docs/LETTERS.md lists them. ctrl+s saves, Escape "
                "closes."
            ),
            id="hint",
            markup=False,
        )
        yield TextArea(
            self.body,
            id="body",
            soft_wrap=False,
            show_line_numbers=True,
            tab_behavior="focus",
        )

    def first_focus(self) -> Widget | None:
        return self.query_one("#body", TextArea)

    def on_mount(self) -> None:
        # (FormModal's on_mount runs too, after this one: Textual calls each class's.)
        if self.error:
            self.show_error(self.error)
            self.refused(self.error)

    def unsaved_changes(self) -> bool:
        if self.original is not None:
            return self.collect() != self.original
        return super().unsaved_changes()

    def form_values(self) -> list[object]:
        return [self.query_one("#body", TextArea).text]

    def collect(self) -> str:
        return self.query_one("#body", TextArea).text

    def refused(self, message: str) -> None:
        """The cursor goes to the line the refusal names."""
        line = refused_line(message)
        area = self.query_one("#body", TextArea)
        if line is not None and 0 < line <= area.document.line_count:
            area.cursor_location = (line - 1, 0)
            area.scroll_cursor_visible()
        area.focus()
        super().refused(message)


class TemplatePreview(BaseModal):
    """The letter a template makes, as plain text, read-only; Escape closes.

    ``read``: the engine work giving an engine.reads.templates.TemplatePreview (run in a
    worker here); a refusal (a template that does not render) shows in the box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", N_("Close"), id="preview.close"),
    ]
    DEFAULT_CSS = """
    TemplatePreview { align: center middle; }
    TemplatePreview > #box {
        width: 100%; height: 100%; border: round $accent; padding: 0 1; background: $surface;
    }
    TemplatePreview #preview-title { text-style: bold; height: auto; }
    TemplatePreview #source { color: $text-muted; height: auto; }
    TemplatePreview #letter { height: 1fr; }
    TemplatePreview #error { color: $error; height: auto; }
    TemplatePreview #error.empty { display: none; }
    """

    def __init__(self, title: str, read: Any) -> None:
        super().__init__()
        self.preview_title = title
        self.read = read
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(inert(self.preview_title), id="preview-title", markup=False)
            yield Static(_("Loading…"), id="source", markup=False)
            yield Static("", id="error", classes="empty", markup=False)
            yield TextArea("", id="letter", read_only=True, soft_wrap=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#letter", TextArea).focus()
        self.load()

    @work(thread=True, exclusive=True, group="template-preview", exit_on_error=False)
    def load(self) -> None:
        try:
            data = self.rcv.backend.read(self.read)
        except UserError as exc:
            self.rcv.call_from_thread(self.show_error, exc.message)
            return
        self.rcv.call_from_thread(self.show, data)

    def show(self, data: dict[str, Any]) -> None:
        self.data = data
        if data["sample"]:
            source = _(
                "The database has no dossier: the letter is shown with the sample placeholders."
            )
        else:
            source = _("With dossier {number} ({customer}) on {day}.").format(
                number=data["dossier"],
                customer=inert(data["customer"]),
                day=fmt.date(self.rcv.today),
            )
        version = _("built-in text") if data["version"] == 0 else _("version {n}")
        source += " · " + version.format(n=data["version"])
        self.query_one("#source", Static).update(source)
        area = self.query_one("#letter", TextArea)
        area.load_text(data["text"])
        area.move_cursor((0, 0))

    def show_error(self, message: str) -> None:
        self.query_one("#source", Static).update("")
        error = self.query_one("#error", Static)
        error.update(inert(message))
        error.set_class(not message, "empty")

    def action_close(self) -> None:
        self.dismiss(None)
