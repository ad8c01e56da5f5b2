"""A customer's statement of account (relevé) on the business day, read-only, over the
customer screen (key `s`): `w` writes its PDF (the file asked, in the documents folder by
default), `m` e-mails it (outbox, then sent once committed); either keeps it as a
document. Rules in engine.documents.customer_letters."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from engine.context import Ctx
from engine.i18n import N_, _
from engine.inert import inert
from tui.screens.base import BaseModal
from tui.widgets.key_bar import KeyBar


class StatementModal(BaseModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", N_("Close"), id="statement.close"),
        Binding("w", "write_pdf", N_("Write PDF"), id="statement.write_pdf"),
        Binding("m", "email", N_("E-mail it"), id="statement.email"),
    ]
    DEFAULT_CSS = """
    StatementModal { align: center middle; }
    StatementModal > #box {
        width: 84; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    StatementModal #statement-title { text-style: bold; margin-bottom: 1; }
    StatementModal #statement-text { height: auto; }
    """

    def __init__(self, code: str, text: str, recipient: str, writer: bool) -> None:
        super().__init__()
        self.code = code
        self.text = text
        self.recipient = recipient
        self.writer = writer

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="box"):
            # Names and labels come from other people's files: shown as plain text only.
            yield Static(
                _("Statement of customer {code}").format(code=inert(self.code)),
                id="statement-title",
                markup=False,
            )
            yield Static(inert(self.text, multiline=True), id="statement-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        # As wide as the text's longest line (the statement's table), within the screen.
        longest = max((len(line) for line in self.text.splitlines()), default=0)
        self.query_one("#box").styles.width = max(84, longest + 6)  # border, padding, bar

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write_pdf":
            return True if self.writer else None
        if action == "email":
            return True if self.writer and self.recipient else None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_write_pdf(self) -> None:
        from tui.changes import default_folder
        from tui.screens.prompts import PromptModal

        code = self.code

        def write(ctx: Ctx, values: dict[str, str]) -> str:
            from engine.documents.customer_letters import keep_statement
            from engine.documents.produce import check_pdf_path, write_pdf_file

            path = check_pdf_path(values["path"], _("file"))
            _made, produced = keep_statement(ctx, code, "print")
            write_pdf_file(path, produced.pdf)
            return _("Statement written to {path}.").format(path=path)

        suggested = default_folder() / f"releve-{code}-{self.rcv.today.isoformat()}.pdf"
        form = PromptModal(
            _("Write the statement of {code}").format(code=code),
            [("path", _("File"), str(suggested))],
            write,
        )
        self.ask(form, lambda message: self.rcv.notify(inert(str(message)), timeout=8))

    def action_email(self) -> None:
        from tui.screens.forms import ConfirmForm

        if not (self.writer and self.recipient):
            return
        question = _("E-mail the statement of {code} to {address}?").format(
            code=inert(self.code), address=inert(self.recipient)
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.notify(
                    _("Sending the statement to {address}…").format(address=inert(self.recipient))
                )
                self.email()

        self.app.push_screen(ConfirmForm(question), callback=answered)

    @work(thread=True, exclusive=True, group="statement", exit_on_error=False)
    def email(self) -> None:
        from engine.documents import produce
        from engine.documents.customer_letters import keep_statement

        code = self.code

        def keep(ctx: Ctx) -> Any:
            keep_statement(ctx, code, "email")
            return produce.pending(ctx)

        mailing = self.call_engine(keep, write=True)
        if mailing is None:
            return
        deliveries = produce.send_after_commit(self.rcv.backend.write, mailing)
        lines = produce.sent_summary(mailing, deliveries)
        if any(not item.error for item in deliveries):
            lines.insert(
                0, _("Statement e-mailed to {address}.").format(address=inert(self.recipient))
            )
        for line in lines:
            self.rcv.call_from_thread(self.rcv.notify, inert(line), timeout=8)
