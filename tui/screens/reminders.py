"""Reminders (mode `5`): the preventive reminder proposal of the business day, grouped by
customer: a customer's row (its total and the count of its invoices), then its invoices
(piece, invoice, due date, days before it, open amount, reminder count), and the grand total.

Space unticks or ticks a customer (all its invoices) or one invoice for this run (not
stored: the totals follow); `x` excludes the customer or the invoice from reminders for
good; `c` changes an invoice's reminder count; `p` prints (one PDF) or e-mails the ticked
customers' letters and records them; `m` only marks the ticked invoices as sent. The
rules are engine.reminders; this screen shows plain rows, names inert (tui.widgets.columns).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import Static

from engine.context import Ctx
from engine.i18n import N_, _
from engine.inert import inert
from tui import format as fmt
from tui.screens.base import BaseScreen
from tui.screens.forms import ConfirmForm
from tui.screens.prompts import ChoiceModal, PromptModal
from tui.widgets.columns import Column, Row, amount_column, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import LazyTable, ListSource, TableBody
from tui.widgets.title_bar import TitleBar

ZERO = Decimal("0.00")


def read_reminders(ctx: Ctx) -> Row:
    from engine.reminders import period_days, proposals

    return {
        "writer": ctx.actor.can_write,
        "period": period_days(ctx),
        "groups": proposals(ctx),
    }


def _day(value: Any) -> str:
    return fmt.date(value) if isinstance(value, dt.date) else ""


def reminder_columns(width: int) -> list[Column]:
    """The open amount, like every amount, is never cut; the name or invoice gives way."""
    return fit(
        [
            Column("tick", "", 3),
            Column("code", _("Customer / piece"), 14, rank=1),
            Column("name", _("Name / invoice"), 20, flex=True),
            Column("due", _("Due"), 10, show=_day, rank=1),
            Column("days", _("Days"), 4, right=True, rank=2),
            Column("items", _("Inv."), 4, right=True, rank=2),  # a customer's count
            amount_column("open", _("Open amount")),
            Column("count", _("Reminders"), 4, right=True, rank=1),
        ],
        width,
        16,
    )


class RemindersScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short descriptions, the most used first: the key bar shows those that fit.
        Binding("space", "tick", N_("Tick"), id="reminders.tick"),
        Binding("p", "produce", N_("Print / e-mail"), id="reminders.produce"),
        Binding("m", "mark", N_("Mark sent"), id="reminders.mark"),
        Binding("x", "exclude", N_("Exclude"), id="reminders.exclude"),
        Binding("c", "count", N_("Count"), id="reminders.count"),
    ]
    HELP = N_(
        "Preventive reminders: the invoices open today and due within the reminder period "
        "(setting reminder_period_days), never reminded yet, of customers and invoices not "
        "excluded; one letter per customer. Space unticks a customer or an invoice for this "
        "run only; x excludes it from reminders for good. As commands: recouvrement "
        "reminders, reminders send, reminders count."
    )
    DEFAULT_CSS = """
    RemindersScreen #totals { height: 1; padding: 0 1; background: $panel; }
    RemindersScreen #table { height: 1fr; }
    """
    AUTO_FOCUS = "TableBody"

    def __init__(self) -> None:
        super().__init__()
        self.data: Row | None = None
        self.unticked: set[int] = set()  # invoices left out of this run (entry ids)
        self.totals: tuple[int, int, Decimal] = (0, 0, ZERO)  # letters, invoices, amount ticked
        self.source = ListSource()
        self.table = LazyTable(reminder_columns(80), self.source, id="table")

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(_("Loading…"), id="totals", markup=False)
        yield self.table
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = _("Reminders")
        self.table.body.focus()
        self.load()

    def on_resize(self, event: Resize) -> None:
        self.table.set_columns(reminder_columns(event.size.width))

    def refresh_view(self) -> None:
        self.load()

    # -- reading

    @work(thread=True, exclusive=True, group="reminders", exit_on_error=False)
    def load(self) -> None:
        data = self.call_engine(read_reminders)
        if data is not None:
            self.rcv.call_from_thread(self.show, data)

    def show(self, data: Row) -> None:
        self.data = data
        ids = {e["id"] for g in data["groups"] for e in g["entries"]}
        self.unticked &= ids  # what is no longer proposed is forgotten
        self.redraw()
        self.refresh_bindings()

    def redraw(self) -> None:
        """The rows and totals from the data and the ticks (no database)."""
        data = self.data
        if data is None:
            return
        rows: list[Row] = []
        letters = items = 0
        total = ZERO
        for g in data["groups"]:
            ticked = [e for e in g["entries"] if e["id"] not in self.unticked]
            amount = sum((e["open_amount"] for e in ticked), ZERO)
            mark = "[x]" if len(ticked) == len(g["entries"]) else "[-]" if ticked else "[ ]"
            rows.append(
                {
                    "kind": "customer",
                    "group": g,
                    "tick": mark,
                    "code": g["customer"],
                    "name": g["name"],
                    "items": str(len(g["entries"])),
                    "open": amount,
                }
            )
            for e in g["entries"]:
                rows.append(
                    {
                        "kind": "entry",
                        "group": g,
                        "entry": e,
                        "tick": "[ ]" if e["id"] in self.unticked else "[x]",
                        "code": "  " + e["piece"],
                        "name": "  " + e["invoice"],
                        "due": e["due_date"],
                        "days": str(e["days_before_due"]),
                        "open": e["open_amount"],
                        "count": str(e["reminder_count"]),
                    }
                )
            if ticked:
                letters += 1
                items += len(ticked)
                total += amount
        self.source.rows = rows
        self.table.show_rows(rows)  # the cursor stays where it was
        self.totals = (letters, items, total)
        self.query_one("#totals", Static).update(self.totals_text())

    def totals_text(self) -> str:
        data = self.data
        assert data is not None
        if data["period"] == 0:
            return _("Preventive reminders are off (setting reminder_period_days is 0).")
        letters, items, total = self.totals
        until = self.rcv.today + dt.timedelta(days=data["period"])
        return _(
            "Total {total} · letters: {letters} · invoices ticked: {items} · due {start} to {end}"
        ).format(
            start=fmt.date(self.rcv.today),
            end=fmt.date(until),
            letters=letters,
            items=items,
            total=fmt.money(total),
        )

    # -- which row

    def current(self) -> Row | None:
        return self.table.body.current if self.data is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("tick", "mark", "produce", "count", "exclude"):
            return True
        if self.data is None:
            return None
        row = self.current()
        if action == "tick":
            return True if row is not None else None
        if not self.data["writer"]:
            return None  # shown dimmed: read-only
        if action in ("mark", "produce"):
            return True if self.totals[1] else None
        if action == "count":
            return True if row is not None and row["kind"] == "entry" else None
        return True if row is not None else None

    @on(TableBody.Highlighted)
    def row_highlighted(self) -> None:
        self.refresh_bindings()

    # -- this run's ticks

    def action_tick(self) -> None:
        row = self.current()
        if row is None:
            return
        if row["kind"] == "entry":
            self.unticked ^= {row["entry"]["id"]}
        else:
            ids = {e["id"] for e in row["group"]["entries"]}
            if ids & self.unticked:
                self.unticked -= ids
            else:
                self.unticked |= ids
        self.redraw()
        self.refresh_bindings()

    def selection(self) -> dict[int, list[int]]:
        assert self.data is not None
        chosen: dict[int, list[int]] = {}
        for g in self.data["groups"]:
            ids = [e["id"] for e in g["entries"] if e["id"] not in self.unticked]
            if ids:
                chosen[g["customer_id"]] = ids
        return chosen

    # -- changes

    def action_mark(self) -> None:
        if self.data is None or not self.totals[1]:
            return
        letters, items, total = self.totals
        question = _(
            "Mark as sent on {day} the ticked invoices (invoices: {items}, customers: "
            "{letters}, total {total})? They will not be proposed again."
        ).format(items=items, letters=letters, total=fmt.money(total), day=fmt.date(self.rcv.today))
        chosen = self.selection()

        def answered(yes: bool | None) -> None:
            if yes:
                self.mark(chosen)

        self.app.push_screen(ConfirmForm(question), callback=answered)

    def action_produce(self) -> None:
        """The ticked customers' letters, printed (one PDF in a folder asked, the documents
        folder by default) or e-mailed (outbox, sent once committed)."""
        if self.data is None or not self.totals[1]:
            return
        chosen = self.selection()
        channels = {_("Print (one PDF)"): "print", _("E-mail (one per customer)"): "email"}
        letters, items, total = self.totals
        question = _(
            "Make the preventive reminders of the ticked invoices (invoices: {items}, "
            "customers: {letters}, total {total}) and record them as sent on {day}: how?"
        ).format(items=items, letters=letters, total=fmt.money(total), day=fmt.date(self.rcv.today))

        def picked(label: str | None) -> None:
            channel = channels.get(label or "")
            if channel == "print":
                self.ask_folder(chosen)
            elif channel == "email":
                self.produce_email(chosen)

        self.app.push_screen(
            ChoiceModal(question, list(channels), _("Preventive reminders")), callback=picked
        )

    def ask_folder(self, chosen: dict[int, list[int]]) -> None:
        from tui.changes import default_folder

        def work(ctx: Ctx, values: dict[str, str]) -> str:
            from engine.documents.customer_letters import check_folder, send_reminders

            run = send_reminders(
                ctx, "print", check_folder(values["folder"], _("folder")), selection=chosen
            )
            return self.outcome(run)

        form = PromptModal(
            _("Print the preventive reminders"),
            [("folder", _("Folder for the PDF"), str(default_folder()))],
            work,
        )
        self.app.push_screen(
            form, callback=lambda text: self.changed(text) if text is not None else None
        )

    @work(thread=True, exclusive=True, group="reminders-change", exit_on_error=False)
    def produce_email(self, chosen: dict[int, list[int]]) -> None:
        from engine.documents import produce
        from engine.documents.customer_letters import send_reminders

        done = self.call_engine(
            lambda ctx: send_reminders(ctx, "email", selection=chosen), write=True
        )
        if done is None:
            return
        text = self.outcome(done)
        self.rcv.call_from_thread(self.changed, text)
        deliveries = produce.send_after_commit(self.rcv.backend.write, done.mailing)
        lines = produce.sent_summary(done.mailing, deliveries)
        sent = sum(1 for item in deliveries if not item.error)
        if sent:
            lines.insert(0, _("{count} e-mail(s) sent.").format(count=sent))
        for line in lines:
            self.rcv.call_from_thread(self.rcv.notify, inert(line), timeout=8)

    def outcome(self, run: Any) -> str:
        """What a run made, in one message: letters, where, and who got none."""
        made = sum(1 for s in run.results if s.document_id is not None)
        if run.path is not None:
            text = _("{count} letter(s) written to {path}.").format(count=made, path=run.path)
        else:
            text = _("E-mails made: {count}.").format(count=made)
        missing = [s for s in run.results if s.missing]
        if missing:
            text += " " + _("Not sent, no address: {customers}.").format(
                customers=", ".join(s.customer for s in missing)
            )
        return inert(text)

    @work(thread=True, exclusive=True, group="reminders-change", exit_on_error=False)
    def mark(self, chosen: dict[int, list[int]]) -> None:
        from engine.reminders import send

        results = self.call_engine(lambda ctx: send(ctx, "mark", selection=chosen), write=True)
        if results is None:
            return
        recorded = sum(len(s.recorded) for s in results)
        skipped = sum(len(s.skipped) for s in results)
        text = _("Invoices recorded as sent: {count}.").format(count=recorded)
        if skipped:
            text += " " + _("Already reminded, skipped: {count}.").format(count=skipped)
        self.rcv.call_from_thread(self.changed, text)

    def action_exclude(self) -> None:
        row = self.current()
        if row is None:
            return
        group = row["group"]
        if row["kind"] == "customer":
            question = _(
                "Exclude customer {code} ({name}) from preventive reminders for good?"
            ).format(code=group["customer"], name=group["name"])
        else:
            entry = row["entry"]
            question = _(
                "Exclude invoice {invoice} (entry {id}) from reminders and new dossiers for good?"
            ).format(invoice=entry["invoice"] or entry["piece"], id=entry["id"])

        def answered(yes: bool | None) -> None:
            if yes:
                self.exclude(row)

        self.app.push_screen(ConfirmForm(question), callback=answered)

    @work(thread=True, exclusive=True, group="reminders-change", exit_on_error=False)
    def exclude(self, row: Row) -> None:
        from engine.customers import edit_customer, exclude_entry

        group = row["group"]
        done: object
        if row["kind"] == "customer":
            done = self.call_engine(
                lambda ctx: edit_customer(ctx, group["customer"], no_reminders=True), write=True
            )
            text = _("Customer {code} excluded from preventive reminders.").format(
                code=group["customer"]
            )
        else:
            ident = row["entry"]["id"]
            done = self.call_engine(lambda ctx: exclude_entry(ctx, ident), write=True)
            text = _("Entry {id} excluded from reminders and new dossiers.").format(id=ident)
        if done is not None:
            self.rcv.call_from_thread(self.changed, text)

    def action_count(self) -> None:
        row = self.current()
        if row is None or row["kind"] != "entry":
            return
        entry = row["entry"]
        ident, version = entry["id"], entry["version"]

        def save(ctx: Ctx, data: dict[str, str]) -> int:
            from engine.reminders import set_reminder_count

            return set_reminder_count(ctx, ident, data["count"], version)

        self.app.push_screen(
            PromptModal(
                _("Reminder count of entry {id}").format(id=ident),
                [("count", _("Reminders sent (0 to 99)"), str(entry["reminder_count"]))],
                save,
            ),
            callback=lambda count: (
                self.changed(_("Entry {id}: reminder count {count}.").format(id=ident, count=count))
                if count is not None
                else None
            ),
        )

    def changed(self, text: str) -> None:
        self.rcv.notify(text)
        self.load()
