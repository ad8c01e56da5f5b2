"""The letter templates (mode `7`): one row per template and language, with the version in
force (0: the built-in text), who saved it and when, and what the letter is for.

Enter or `p` shows the letter the template makes with a real dossier on the business day
(the first open dossier, or the one chosen with `d`); a manager edits a template in the
app (`e`) or in $EDITOR (`E`) and puts the built-in text back (`r`, as a new version).
The rules are engine.documents.templates; the same as commands: recouvrement templates
list|export|import|reset.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.widgets import Static

from engine.context import Ctx
from engine.errors import UserError
from engine.i18n import N_, _
from tui import format as fmt
from tui.screens.base import ReadListScreen
from tui.screens.forms import ConfirmForm
from tui.screens.prompts import PromptModal
from tui.screens.template_editor import TemplateEditor, TemplatePreview
from tui.widgets.columns import Column, Row, fit
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody


def read_templates(ctx: Ctx) -> Row:
    from engine.reads.templates import template_rows

    return {
        "manager": ctx.actor.is_manager,
        "login": ctx.actor.login,
        "role": ctx.actor.role,
        "rows": [dict(r) for r in template_rows(ctx)],
    }


def _shown(row: Row) -> Row:
    """A row for the table: texts translated, the moment in the reader's form."""
    return {
        **row,
        "key": f"{row['name']}.{row['language']}",
        "text": _("built-in") if row["builtin"] else _("custom"),
        "saved": fmt.moment(row["saved_at"]) if row["saved_at"] else "",
        "purpose_text": _(row["purpose"]) if row["purpose"] else "",
    }


def columns(width: int) -> list[Column]:
    return fit(
        [
            Column("name", _("Template"), 15, rank=1),
            Column("language", _("Language"), 6, rank=1),
            Column("version", _("Version"), 7, right=True, rank=1),
            Column("text", _("Text"), 12, rank=1),
            Column("saved", _("Saved at"), 16, rank=3),
            Column("saved_by", _("Saved by"), 10, rank=2),
            Column("purpose_text", _("For"), 20, flex=True),
        ],
        width,
        20,
    )


def label(row: Row) -> str:
    """``relance_1 (fr)``: how boxes and messages name a template."""
    return f"{row['name']} ({row['language']})"


class TemplatesScreen(ReadListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "preview", N_("Preview"), id="templates.preview"),
        Binding("d", "choose_dossier", N_("Dossier"), id="templates.dossier"),
        Binding("e", "edit", N_("Edit"), id="templates.edit"),
        Binding("E", "edit_external", N_("$EDITOR"), id="templates.editor"),
        Binding("r", "reset", N_("Reset"), id="templates.reset"),
    ]
    HELP = N_(
        "The letters' templates: Enter or p shows the letter a template makes with a real "
        "dossier on the business day (the first open dossier, or the one chosen with d). "
        "Managers edit a template here (e, ctrl+s saves) or in $EDITOR (E); a template "
        "that does not render is refused with its line and nothing is saved. r puts the "
        "built-in text back as a new version. As commands: recouvrement templates list, "
        "export, import, reset."
    )
    DEFAULT_CSS = """
    TemplatesScreen #title { height: 1; padding: 0 1; background: $panel; }
    TemplatesScreen #templates { height: 1fr; }
    """

    def __init__(self) -> None:
        self.dossier: str | None = None  # chosen with `d`; None: the first open dossier
        self.source = ListSource()
        super().__init__(LazyTable(columns(80), self.source, id="templates"))

    def heading(self) -> str:
        return _("Letter templates")

    def name_shown(self) -> str:
        return _("Templates")

    def columns(self, width: int) -> list[Column]:
        return columns(width)

    def read(self, ctx: Ctx) -> Row:
        return read_templates(ctx)

    def show(self, data: Row, focus: str | None = None) -> None:
        self.data = data
        rows = [_shown(r) for r in data["rows"]]
        current = self.current()
        focus = focus or (current["key"] if current else None)
        self.source.rows = rows
        self.table.show_rows(rows)
        keys = [r["key"] for r in rows]
        if focus in keys:
            self.table.body.move_to(keys.index(focus))
        self.show_title()
        self.refresh_bindings()

    def show_title(self) -> None:
        parts = [_("Letter templates")]
        if self.data is not None and not self.data["manager"]:
            parts.append(_("read-only"))
        if self.dossier:
            parts.append(_("preview with dossier {number}").format(number=self.dossier))
        self.query_one("#title", Static).update(" · ".join(parts))

    def current(self) -> Row | None:
        return self.table.body.current if self.data is not None else None

    # -- preview

    @on(TableBody.Selected)
    def row_selected(self) -> None:
        self.action_preview()

    def action_preview(self) -> None:
        from engine.reads.templates import template_preview

        row = self.current()
        if row is None:
            return
        name, language, number = row["name"], row["language"], self.dossier
        self.app.push_screen(
            TemplatePreview(
                _("Preview: {template}").format(template=label(row)),
                lambda ctx: dict(template_preview(ctx, name, language, number)),
            )
        )

    def action_choose_dossier(self) -> None:
        def check(ctx: Ctx, data: dict[str, str]) -> str:
            from engine.reads.templates import preview_dossier

            number = data["number"].strip()
            if not number:
                return ""  # back to the first open dossier
            dossier = preview_dossier(ctx, number)
            return dossier.number if dossier is not None else ""

        def chosen(number: str | None) -> None:
            if number is None:
                return
            self.dossier = number or None
            self.show_title()
            self.action_preview()

        self.app.push_screen(
            PromptModal(
                _("The dossier the previews are made with"),
                [("number", _("Dossier number (empty: the first open one)"), self.dossier or "")],
                check,
            ),
            callback=chosen,
        )

    # -- changes (managers)

    def allowed(self) -> bool:
        if self.data is None:
            return False
        if not self.data["manager"]:
            self.notify(
                _("Only a manager may change the templates ({login} has the role {role}).").format(
                    login=self.data["login"], role=_(self.data["role"])
                ),
                severity="warning",
            )
            return False
        return True

    def action_edit(self) -> None:
        row = self.current()
        if row is not None and self.allowed():
            self.read_body(row, external=False)

    def action_edit_external(self) -> None:
        row = self.current()
        if row is None or not self.allowed():
            return
        if not os.environ.get("EDITOR", "").strip():
            self.notify(
                _(
                    "$EDITOR is not set: set it to your editor's command (for example "
                    "EDITOR=nano) before starting, or press e to edit here."
                ),
                severity="warning",
                timeout=8,
            )
            return
        self.read_body(row, external=True)

    @work(thread=True, exclusive=True, group="template-body", exit_on_error=False)
    def read_body(self, row: Row, external: bool) -> None:
        from engine.documents.templates import template_in_force

        name, language = row["name"], row["language"]
        found = self.call_engine(lambda ctx: template_in_force(ctx.session, name, language))
        if found is None:
            return
        if external:
            self.rcv.call_from_thread(self.edit_outside, row, found.body)
        else:
            self.rcv.call_from_thread(self.open_editor, row, found.body)

    def open_editor(
        self, row: Row, body: str, *, original: str | None = None, error: str = ""
    ) -> None:
        from engine.documents.templates import save_template

        name, language = row["name"], row["language"]
        editor = TemplateEditor(
            _("Template {template}").format(template=label(row)),
            body,
            original=original,
            error=error,
        )
        editor.saver = lambda text: lambda ctx: save_template(ctx, name, language, text)
        self.app.push_screen(editor, callback=lambda saved: self.saved(row, saved))

    def saved(self, row: Row, saved: Any) -> None:
        if saved is None:
            return
        if saved.version == row["version"]:
            text = _("{template}: the text is the one in force, nothing saved.")
        else:
            text = _("{template} saved as version {version}.")
        self.notify(text.format(template=label(row), version=saved.version))
        self.load(row["key"])

    def editor_command(self) -> list[str]:
        return shlex.split(os.environ.get("EDITOR", ""))

    def suspended(self) -> AbstractContextManager[Any]:
        """The terminal handed to the editor; in a headless app (tests) there is none."""
        return nullcontext() if self.app.is_headless else self.app.suspend()

    def edit_outside(self, row: Row, body: str) -> None:
        """Write the text to a file, run $EDITOR on it with the terminal handed over, read
        it back and save it (in a worker). A refusal opens the editor box on the edited text
        with the refusal shown: nothing is saved and nothing typed is lost."""
        try:
            command = self.editor_command()
            with tempfile.TemporaryDirectory(prefix="recouvrement-") as folder:
                path = Path(folder) / f"{row['name']}.{row['language']}.txt"
                path.write_text(body, encoding="utf-8")
                with self.suspended():
                    code = subprocess.call([*command, str(path)])
                text = path.read_text(encoding="utf-8")
        except SuspendNotSupported:
            self.notify(
                _("This terminal cannot hand itself to $EDITOR: press e to edit here."),
                severity="warning",
            )
            return
        except (OSError, ValueError) as exc:
            problem = _("$EDITOR could not be run or its file read back ({error}): nothing saved.")
            self.notify(
                problem.format(error=exc),
                severity="error",
                timeout=8,
            )
            return
        if code != 0:
            self.notify(
                _("$EDITOR ended with code {code}: nothing saved.").format(code=code),
                severity="warning",
            )
            return
        if text == body:
            self.notify(_("{template}: unchanged, nothing saved.").format(template=label(row)))
            return
        self.save_outside(row, body, text)

    @work(thread=True, exclusive=True, group="template-save", exit_on_error=False)
    def save_outside(self, row: Row, body: str, text: str) -> None:
        from engine.documents.templates import save_template

        name, language = row["name"], row["language"]
        try:
            saved = self.rcv.backend.write(lambda ctx: save_template(ctx, name, language, text))
        except UserError as exc:
            self.rcv.call_from_thread(self.open_editor, row, text, original=body, error=exc.message)
            return
        self.rcv.call_from_thread(self.saved, row, saved)

    def action_reset(self) -> None:
        row = self.current()
        if row is None or not self.allowed():
            return
        self.app.push_screen(
            ConfirmForm(
                _(
                    "Put the built-in text of {template} back in force? It is saved as a new "
                    "version; the versions before stay stored."
                ).format(template=label(row))
            ),
            callback=lambda yes: self.confirmed_reset(row, bool(yes)),
        )

    def confirmed_reset(self, row: Row, yes: bool) -> None:
        if yes:
            self.reset(row)

    @work(thread=True, exclusive=True, group="template-save", exit_on_error=False)
    def reset(self, row: Row) -> None:
        from engine.documents.templates import reset_template

        name, language = row["name"], row["language"]
        done = self.call_engine(lambda ctx: reset_template(ctx, name, language), write=True)
        if done is not None:
            self.rcv.call_from_thread(self.saved, row, done)
