"""Changes to a dossier, its interventions and entries, written once for every screen that
offers them: the dossier detail, the Actions list, the customer detail (and the palette,
which runs those screens' keys).

Each change builds its form and gives it the engine work to run with the version the
screen showed (a change someone else saved first is refused). The form saves itself
(tui.screens.forms.FormModal): a refusal (a date the engine does not take, a conflict, a
right) shows inside the form, which keeps what was typed; once saved the form closes, the
message says what was done, and the screen shows what is now stored. Who may do what is
the engine's rule (engine.access.may_change_dossier); ``allowed`` lets a screen hide the keys
of changes its user may not make.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import dossiers, interventions
from engine.access import Actor, may_change_dossier
from engine.context import Ctx
from engine.customers import exclude_entry
from engine.documents import produce
from engine.errors import UserError
from engine.i18n import _
from engine.interventions import add_note
from engine.lettering import (
    LetterPreview,
    Suggestion,
    customer_suggestions,
    letter_entries,
    preview_lettering,
    unletter,
)
from engine.scenarios import STEP_TYPES
from tui import format as fmt
from tui.screens.forms import (
    ConfirmForm,
    DateForm,
    DoneForm,
    EditDossierForm,
    FormModal,
    ManualForm,
    NoteForm,
    PauseForm,
    StepForm,
)

if TYPE_CHECKING:
    from tui.screens.base import BaseScreen

Row = dict[str, Any]
Work = Callable[[Ctx], str]  # engine work that says what it did

# The keys that change a dossier or its plan (engine.access.require_dossier_write), and
# those that change entries (engine.access.require_write): marking entries is only the
# first half of lettering them.
DOSSIER_CHANGES = frozenset(
    {"done", "skip", "add", "pause", "promise", "resume", "move", "edit", "reschedule", "note"}
    | {"resend"}
)
ENTRY_CHANGES = frozenset(
    {"exclude", "mark_entry", "letter_marked", "unletter", "suggest_lettering"}
)


@dataclass(frozen=True)
class Todo:
    """An intervention to do, as a screen shows it."""

    id: int
    version: int
    number: str  # its dossier
    step_no: int | None
    step: str
    planned: dt.date

    @classmethod
    def of(cls, row: Row, number: str) -> Todo:
        return cls(row["id"], row["version"], number, row["step_no"], row["step"], row["planned"])

    def described(self) -> str:
        step = f"{self.step_no}. {self.step}" if self.step_no else self.step
        return f"{self.number} · " + _("{step} (planned {day})").format(
            step=step, day=fmt.date(self.planned)
        )


@dataclass(frozen=True)
class DossierState:
    """What the changes of a dossier need to know of it, as a screen shows it."""

    number: str
    version: int
    status: str
    agent: str | None
    pause_until: dt.date | None = None
    pause_reason: str = ""
    promise_amount: Decimal | None = None
    contact: str = ""  # the contact a new intervention is for, by default


def default_folder() -> Path:
    """Where a PDF goes unless the user says otherwise: the documents folder, else the
    current one."""
    try:
        from platformdirs import user_documents_path

        folder = user_documents_path()
    except Exception:  # no home (containers)
        return Path.cwd()
    return folder if folder.is_dir() else Path.cwd()


def allowed(actor: Actor | None, action: str, agent: str | None) -> bool | None:
    """May ``actor`` run ``action`` on a dossier in ``agent``'s charge? False: never with
    this role (the key is not shown); None: not on this dossier (shown, disabled); True:
    yes, or not known yet (the engine still decides)."""
    if actor is None or action not in DOSSIER_CHANGES | ENTRY_CHANGES:
        return True
    if not actor.can_write:
        return False
    if action in ENTRY_CHANGES:
        return True
    return True if may_change_dossier(actor, agent or None) else None


class Changes:
    """The changes a screen offers; ``refresh`` shows what is stored after each (and after a
    refusal, which may come from a change saved by someone else)."""

    def __init__(self, screen: BaseScreen, refresh: Callable[[], object]) -> None:
        self.screen = screen
        self.refresh = refresh

    @property
    def today(self) -> dt.date:
        return self.screen.rcv.today

    # -- running

    def ask(self, form: FormModal, save: Callable[[Any], Work]) -> None:
        """Show ``form``; it saves itself with ``save(values)``."""
        form.saver = save
        form.on_refusal = lambda _message: self.refresh()
        self.screen.ask(form, self.saved)

    def saved(self, message: Any) -> None:
        if isinstance(message, str):  # not a form answered No
            self.screen.rcv.notify(message)
            self.refresh()

    def run(self, work: Work) -> None:
        """A change without a form: in a worker; a refusal shows as a message."""
        app = self.screen.rcv

        def change() -> None:
            message = self.screen.call_engine(work, write=True)
            if message is None:  # refused: call_engine said why
                app.call_from_thread(self.refresh)
            else:
                app.call_from_thread(self.saved, message)

        self.screen.run_worker(change, thread=True, group="change", exit_on_error=False)

    # -- interventions

    def done(self, todo: Todo) -> None:
        """Done on a day, with what came of it; a step with a letter shows it and asks how
        it goes out. Its e-mail is sent once the change is committed."""
        mailings: list[Any] = []

        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                mailings.clear()
                item = interventions.mark_done(
                    ctx,
                    todo.id,
                    values["day"],
                    values["note"] or None,
                    values["outcome"],
                    expected_version=todo.version,
                    channel=values.get("channel"),
                )
                mailings.append(produce.pending(ctx))
                return _("Intervention {id} done on {day}.").format(
                    id=item.id, day=fmt.date(item.done)
                )

            return work

        def saved(message: Any) -> None:
            self.saved(message)
            if isinstance(message, str) and mailings:
                self.send(mailings[0])

        def letter(ctx: Ctx) -> Any:
            return produce.preview(ctx, todo.id)

        form = DoneForm(
            _("Done: {what}").format(what=todo.described()),
            self.today,
            letter if todo.step_no is not None else None,
        )
        form.saver = save
        form.on_refusal = lambda _message: self.refresh()
        self.screen.ask(form, saved)

    def send(self, mailing: Any) -> None:
        """The e-mails a committed change wrote to the outbox, sent in a worker; what
        became of them is recorded and said."""
        if not mailing.items:
            return
        app = self.screen.rcv

        def sending() -> None:
            deliveries = produce.send_after_commit(app.backend.write, mailing)
            lines = produce.sent_summary(mailing, deliveries)
            sent = sum(1 for item in deliveries if not item.error)
            if sent:
                lines.insert(0, _("{count} e-mail(s) sent.").format(count=sent))
            severity = "warning" if any(item.error for item in deliveries) else "information"
            for line in lines:
                app.call_from_thread(app.notify, line, severity=severity, timeout=8)
            app.call_from_thread(self.refresh)

        self.screen.run_worker(sending, thread=True, group="send", exit_on_error=False)

    def redeliver(self, document_id: int) -> None:
        """Send a document's e-mail again (after a failure, or to the same address)."""
        mailings: list[Any] = []

        def work(ctx: Ctx) -> str:
            mailings.append(produce.redeliver(ctx, document_id))
            return _("E-mail of document {id} put back in the outbox.").format(id=document_id)

        app = self.screen.rcv

        def change() -> None:
            message = self.screen.call_engine(work, write=True)
            if message is None:
                return
            app.call_from_thread(self.saved, message)
            app.call_from_thread(self.send, mailings[0])

        self.screen.run_worker(change, thread=True, group="change", exit_on_error=False)

    def skip(self, todo: Todo) -> None:
        """Skipped with an optional note (why): Enter confirms."""

        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                item = interventions.mark_skipped(
                    ctx, todo.id, None, values["note"] or None, expected_version=todo.version
                )
                return _("Intervention {id} skipped on {day}.").format(
                    id=item.id, day=fmt.date(item.done)
                )

            return work

        self.ask(NoteForm(_("Skip: {what}").format(what=todo.described())), save)

    def reschedule(self, todo: Todo) -> None:
        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                item = interventions.reschedule(
                    ctx, todo.id, values["day"], expected_version=todo.version
                )
                return _("Intervention {id} planned on {day}.").format(
                    id=item.id, day=fmt.date(item.planned)
                )

            return work

        title = _("Reschedule: {what}").format(what=todo.described())
        self.ask(DateForm(title, todo.planned), save)

    def note(self, todo: Todo) -> None:
        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                item = add_note(ctx, todo.id, values["note"], expected_version=todo.version)
                return _("Note added to intervention {id}.").format(id=item.id)

            return work

        self.ask(NoteForm(_("Add a note: {what}").format(what=todo.described())), save)

    def add(self, dossier: DossierState) -> None:
        number = dossier.number

        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                item = interventions.add_manual(
                    ctx,
                    number,
                    values["type"],
                    values["day"],
                    values["note"],
                    values["contact"] or None,  # empty: the dossier's main contact
                    values["promise_date"],
                    values["promise_amount"],
                )
                return _("Intervention {id} planned on {day}.").format(
                    id=item.id, day=fmt.date(item.planned)
                )

            return work

        title = _("Add an intervention to dossier {number}").format(number=number)
        self.ask(ManualForm(title, self.today, list(STEP_TYPES), dossier.contact), save)

    # -- documents

    def write_pdf(self, document_id: int, suggested: str) -> None:
        """Ask where to write a kept document's PDF (default: the documents folder, else
        the current one), then write it."""

        def work(ctx: Ctx, values: dict[str, str]) -> str:
            path = produce.save_pdf(ctx, document_id, values["path"], _("file"))
            return _("PDF written to {path}.").format(path=path)

        self.ask_path(_("Write the PDF of document {id}").format(id=document_id), suggested, work)

    def ask_path(
        self, title: str, suggested: str, work: Callable[[Ctx, dict[str, str]], str]
    ) -> None:
        from tui.screens.prompts import PromptModal

        path = str(default_folder() / suggested)
        form = PromptModal(title, [("path", _("File"), path)], work)
        self.screen.ask(form, self.saved)

    def letters(self, until: dt.date, agent: str | None) -> None:
        """The day's letters (to-dos planned on or before ``until``, of ``agent``): the
        printed ones in one PDF (path asked), the e-mail ones marked done and sent; once
        the user says the PDF was printed, those are marked done."""
        batch: list[Any] = []

        def work(ctx: Ctx, values: dict[str, str]) -> str:
            path = produce.check_pdf_path(values["path"], _("file"))
            day = produce.day_letters(ctx, until, agent)
            if not day.due:
                raise UserError(_("No letter due on or before {day}.").format(day=fmt.date(until)))
            printed, emailed = day.printed, day.emailed
            if day.pdf is not None:
                produce.write_pdf_file(path, day.pdf)
            if emailed:
                produce.mark_batch(ctx, emailed, "email")
            batch[:] = [printed, emailed, produce.pending(ctx), path]
            return _("{printed} letter(s) written to {path}, {emailed} e-mail(s).").format(
                printed=len(printed), path=path, emailed=len(emailed)
            )

        def written(message: Any) -> None:
            self.saved(message)
            if not isinstance(message, str) or not batch:
                return
            printed, _emailed, mailing, path = batch
            self.send(mailing)
            if printed:
                self.confirm_printed(printed, path)

        title = _("Letters due on or before {day}").format(day=fmt.date(until))
        from tui.screens.prompts import PromptModal

        suggested = str(default_folder() / f"letters-{until.isoformat()}.pdf")
        self.screen.ask(PromptModal(title, [("path", _("File"), suggested)], work), written)

    def confirm_printed(self, printed: list[Any], path: Any) -> None:
        """Once printed, the batch's letter steps are marked done (their letters kept)."""

        def save(_yes: bool) -> Work:
            def work(ctx: Ctx) -> str:
                produce.mark_batch(ctx, printed, "print")
                return _("{count} letter step(s) marked done.").format(count=len(printed))

            return work

        message = _(
            "Were the {count} letters of {path} printed? Yes marks their steps done."
        ).format(count=len(printed), path=path)
        self.ask(ConfirmForm(message), save)

    # -- the dossier

    def pause(self, dossier: DossierState) -> None:
        """Pause the dossier until a day (a promise to pay, a dispute), or change its pause."""
        number, version = dossier.number, dossier.version

        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                paused = dossiers.pause(
                    ctx,
                    number,
                    values["until"],
                    values["reason"],
                    values["amount"],
                    expected_version=version,
                )
                return _("Dossier {number} paused until {day}.").format(
                    number=number, day=fmt.date(paused.pause_until)
                )

            return work

        if dossier.status == "paused" and dossier.pause_until is not None:
            title = _("Change the pause of dossier {number}").format(number=number)
            form = PauseForm(
                title, dossier.pause_until, dossier.pause_reason, dossier.promise_amount
            )
        else:
            title = _("Pause dossier {number} / promise to pay").format(number=number)
            form = PauseForm(title, self.today + dt.timedelta(days=7), _("Promise to pay"))
        self.ask(form, save)

    def resume(self, dossier: DossierState) -> None:
        number, version = dossier.number, dossier.version

        def save(_yes: bool) -> Work:
            def work(ctx: Ctx) -> str:
                dossiers.resume(ctx, number, expected_version=version)
                return _("Dossier {number} resumed.").format(number=number)

            return work

        message = _("Resume dossier {number} now? Its scenario step falls due again.").format(
            number=number
        )
        self.ask(ConfirmForm(message), save)

    def move(self, data: Row) -> None:
        """To a step of its scenario or of another one; ``data``: dossier_page's dict."""
        number, version, scenario = data["number"], data["version"], data["scenario"]
        if not data["scenarios"]:
            self.screen.rcv.notify(
                _("There is no scenario to move dossier {number} to.").format(number=number),
                severity="warning",
            )
            return

        def save(values: Row) -> Work:
            other = values["scenario"] if values["scenario"] != scenario else None

            def work(ctx: Ctx) -> str:
                dossiers.move_to_step(
                    ctx,
                    number,
                    values["step_no"],
                    values["day"],
                    scenario_name=other,
                    expected_version=version,
                )
                if other:
                    return _("Dossier {number} moved to scenario {name}, step {no}.").format(
                        number=number, name=other, no=values["step_no"]
                    )
                return _("Dossier {number} moved to step {no}.").format(
                    number=number, no=values["step_no"]
                )

            return work

        title = _("Move dossier {number} to a step or another scenario").format(number=number)
        self.ask(
            StepForm(title, data["scenarios"], scenario, data["current_step"], self.today), save
        )

    def edit(self, data: Row) -> None:
        """Reason, agent and contacts; ``data``: dossier_page's dict."""
        number, version = data["number"], data["version"]

        def save(values: Row) -> Work:
            def work(ctx: Ctx) -> str:
                dossiers.update_dossier(
                    ctx,
                    number,
                    version,
                    reason=values["reason"],
                    agent=values["agent"],
                    main_contact_id=values["main_contact_id"],
                    other_contact_ids=values["other_contact_ids"],
                )
                return _("Dossier {number} saved.").format(number=number)

            return work

        self.ask(EditDossierForm(data, data["agents"], data["contacts"]), save)

    # -- entries

    def exclude(self, entry: Row) -> None:
        """Exclude ``entry`` (a dict with ``id`` and ``excluded``) from reminders and new
        dossiers (a disputed invoice), or bring it back; a dossier holding it keeps it."""
        ident, excluded = entry["id"], not entry["excluded"]
        done = (
            _("Entry {id} excluded from reminders and new dossiers.")
            if excluded
            else _("Entry {id} is back in reminders and new dossiers.")
        )

        def work(ctx: Ctx) -> str:
            exclude_entry(ctx, ident, excluded)
            return done.format(id=ident)

        self.run(work)

    # -- lettering (engine.lettering)

    def letter(self, entry_ids: list[int], lettered: Callable[[], object]) -> None:
        """Letter ``entry_ids`` together: the engine's preview first (a refusal is said at
        once), then a confirmation naming the code and what stays open; ``lettered`` runs
        once saved (the screen forgets its marks)."""
        app = self.screen.rcv
        ids = sorted(entry_ids)

        def fetch() -> None:
            found = self.screen.call_engine(lambda ctx: preview_lettering(ctx, ids))
            if found is not None:
                app.call_from_thread(confirm, found)

        def confirm(preview: LetterPreview) -> None:
            code = preview.code

            def save(_values: Any) -> Work:
                def work(ctx: Ctx) -> str:
                    result = letter_entries(ctx, ids, code=code)
                    lines = [
                        _("Lettered {code}; left open: {amount}.").format(
                            code=result.code, amount=fmt.amount(result.open_amount)
                        )
                    ]
                    lines += _dossier_lines(result.closed, result.reopened)
                    return " ".join(lines)  # one line: notifications show text inert

                return work

            def saved(message: Any) -> None:
                if isinstance(message, str):
                    lettered()
                self.saved(message)

            question = _(
                "Letter entries {ids} together with code {code}? Left open afterwards: {amount}."
            ).format(
                ids=", ".join(str(i) for i in ids),
                code=code,
                amount=fmt.amount(preview.open_amount),
            )
            form = ConfirmForm(question)
            form.saver = save
            form.on_refusal = lambda _message: self.refresh()
            self.screen.ask(form, saved)

        self.screen.run_worker(fetch, thread=True, group="change", exit_on_error=False)

    def suggest(self, customer: str, lettered: Callable[[list[int]], object]) -> None:
        """The customer's lettering suggestions, read in a worker, in a box to pick one
        from (none: a notice, no box); the one picked is lettered as ``letter`` letters
        marked entries (the same confirmation and refusals). ``lettered`` gets its ids once
        saved."""
        from tui.screens.suggestions import SuggestionsModal

        app = self.screen.rcv

        def fetch() -> None:
            found = self.screen.call_engine(lambda ctx: customer_suggestions(ctx, customer))
            if found is not None:
                app.call_from_thread(show, found)

        def show(found: list[Suggestion]) -> None:
            if not found:
                app.notify(
                    _(
                        "No lettering to suggest for customer {customer}: no unlettered "
                        "payment names an invoice's number or has an invoice's amount."
                    ).format(customer=customer),
                    severity="warning",
                )
                return
            self.screen.ask(SuggestionsModal(customer, found), chosen)

        def chosen(suggestion: Suggestion) -> None:
            ids = [suggestion["payment"], *suggestion["invoices"]]
            self.letter(ids, lambda: lettered(ids))

        self.screen.run_worker(fetch, thread=True, group="change", exit_on_error=False)

    def unletter(self, customer: str, entry: Row) -> None:
        """Take the lettering code of ``entry`` (a dict with ``lettering`` and ``account``)
        off every entry of ``customer``'s account that carries it, after a confirmation."""
        code, account = entry.get("lettering"), entry.get("account") or ""
        if not code:
            self.screen.rcv.notify(
                _("The entry under the cursor is not lettered: nothing to unletter."),
                severity="warning",
            )
            return

        def save(_values: Any) -> Work:
            def work(ctx: Ctx) -> str:
                result = unletter(ctx, customer, code, account=account)
                lines = [_("Lettering {code} removed.").format(code=result.code)]
                lines += _dossier_lines(result.closed, result.reopened)
                return " ".join(lines)  # one line: notifications show text inert

            return work

        question = _(
            "Remove lettering {code} from every entry of customer {customer} that carries it "
            "(account {account})?"
        ).format(code=code, customer=customer, account=account)
        self.ask(ConfirmForm(question), save)


def _dossier_lines(closed: list[str], reopened: list[str]) -> list[str]:
    return [
        _("Dossier {number} closed: its principal is settled.").format(number=n) for n in closed
    ] + [
        _("Dossier {number} reopened: its principal is owed again.").format(number=n)
        for n in reopened
    ]
