"""Preventive reminders (relances préventives, docs/RULES.md): the proposal of a day, what
sending records, an entry's reminder count.

Rules:
- The company setting ``reminder_period_days`` N (0: off). On day T the proposal is every
  invoice open on T (engine.balances: the amount on day T) whose due date is in [T, T+N],
  whose customer and entry are not excluded from reminders, and which had no preventive
  reminder yet. One letter per customer lists all that customer's proposed items
  (engine.reads.reminders reads it).
- Sending (printing, e-mailing or marking sent) records, per entry, the day, the channel and
  the document, and adds one to the entry's reminder count, in one transaction. An entry is
  never reminded twice: one already reminded is skipped and named; the unique index on
  ``entry_reminder.entry_id`` refuses a second row even under a race.
- A customer with no postal address (print) or no e-mail address (e-mail), on its card or
  on one of its contacts, gets no document: the result names it.
- An entry's reminder count is editable, 0 to 99, from the copy the user saw (optimistic
  locking).
- The documents themselves (PDF, e-mail) are produced by a ``ReminderProducer`` the caller
  passes (engine.documents.customer_letters.send_reminders passes its own): this module
  only decides and records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlmodel import col, select

from engine.access import require_write
from engine.context import Ctx, claim
from engine.customers import find_entry
from engine.errors import UserError
from engine.i18n import _
from engine.reads.reminders import ReminderGroup, reminder_groups
from models.tables import Contact, Customer, EntryReminder

CHANNELS = ("print", "email", "mark")  # what `reminders send --channel` offers
RECORDED_CHANNELS = ("print", "email", "both", "mark")  # what a reminder row may say
MAX_COUNT = 99


class ReminderProducer(Protocol):
    """Makes one customer's reminder letter (PDF to print, or an e-mail in the outbox) for
    ``entry_ids`` and returns the id of the ``Document`` it stored."""

    def __call__(
        self, ctx: Ctx, customer_id: int, entry_ids: list[int], channel: str, out_dir: Path | None
    ) -> int: ...


def proposals(ctx: Ctx) -> list[ReminderGroup]:
    """The proposal of the business day, one group per customer (empty when off)."""
    return reminder_groups(ctx.session, ctx.today, period_days(ctx))


def period_days(ctx: Ctx) -> int:
    return int(ctx.settings.reminder_period_days or 0)


@dataclass
class Recorded:
    """What ``record_sent`` wrote: the entries reminded now and those skipped (already
    reminded before)."""

    recorded: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def check_channel(channel: str, allowed: Sequence[str] = RECORDED_CHANNELS) -> str:
    if channel not in allowed:
        raise UserError(
            _("Invalid channel {value!r}: expected one of {choices}.").format(
                value=channel, choices=", ".join(allowed)
            )
        )
    return channel


def record_sent(
    ctx: Ctx,
    customer_id: int,
    entry_ids: Sequence[int],
    channel: str,
    document_id: int | None = None,
) -> Recorded:
    """Record a preventive reminder sent on the business day for each entry of one
    customer, and add one to its reminder count; an entry already reminded is skipped (and
    named in the result). An entry of another customer, or not an invoice, is refused and
    nothing is written."""
    require_write(ctx.actor)
    check_channel(channel)
    result = Recorded()
    entries = []
    for entry_id in dict.fromkeys(entry_ids):  # once each, in the order given
        entry = find_entry(ctx, entry_id, lock=True)
        if entry.customer_id != customer_id or entry.kind != "invoice":
            raise UserError(
                _(
                    "Entry {id} cannot be reminded with this letter: expected an invoice of "
                    "the same customer."
                ).format(id=entry_id)
            )
        entries.append(entry)
    ids = [e.id for e in entries]
    done = set(
        ctx.session.exec(
            select(EntryReminder.entry_id).where(col(EntryReminder.entry_id).in_(ids))
        ).all()
    )
    for entry in entries:
        assert entry.id is not None
        if entry.id in done:
            result.skipped.append(entry.id)
            continue
        ctx.session.add(
            EntryReminder(
                entry_id=entry.id, document_id=document_id, day=ctx.today, channel=channel
            )
        )
        claim(ctx.session, entry, None, _("Entry {id}").format(id=entry.id))
        entry.reminder_count = min(entry.reminder_count + 1, MAX_COUNT)
        result.recorded.append(entry.id)
    ctx.session.flush()  # the unique index speaks here if another user was quicker
    return result


def parse_count(value: int | str) -> int:
    text = str(value).strip()
    if text.isdigit() and 0 <= int(text) <= MAX_COUNT:
        return int(text)
    raise UserError(
        _("Invalid reminder count {value!r}: expected a whole number from 0 to {max}.").format(
            value=value if isinstance(value, str) else str(value), max=MAX_COUNT
        )
    )


def set_reminder_count(ctx: Ctx, entry_id: int, count: int | str, version: int | None) -> int:
    """Set an entry's reminder count (0 to 99); ``version``: the entry's version the user
    saw (None: the stored one). Returns the count stored; the same count writes nothing."""
    require_write(ctx.actor)
    wanted = parse_count(count)
    entry = find_entry(ctx, entry_id, lock=True)
    if entry.reminder_count == wanted and (version is None or version == entry.version):
        return wanted
    claim(ctx.session, entry, version, _("Entry {id}").format(id=entry.id))
    entry.reminder_count = wanted
    ctx.session.flush()
    return wanted


def missing_recipient(ctx: Ctx, customer_id: int, channel: str) -> str | None:
    """Why a customer cannot get its reminder by ``channel``, or None: a letter needs a
    postal address, an e-mail an address, on the customer's card or one of its contacts."""
    if channel not in ("print", "email"):
        return None
    customer = ctx.session.get(Customer, customer_id)
    assert customer is not None
    key = "address" if channel == "print" else "email"
    if getattr(customer, key).strip():
        return None
    contacts = ctx.session.exec(
        select(getattr(Contact, key)).where(Contact.customer_id == customer_id)
    ).all()
    if any(str(value).strip() for value in contacts):
        return None
    if channel == "print":
        return _("no postal address (customer or contact): no letter made")
    return _("no e-mail address (customer or contact): no e-mail made")


@dataclass
class Sent:
    """One customer's outcome in ``send``."""

    customer_id: int
    customer: str
    name: str
    entries: list[int]
    recorded: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    document_id: int | None = None
    missing: str | None = None  # why nothing was sent (no address…)


def send(
    ctx: Ctx,
    channel: str,
    out_dir: Path | None = None,
    *,
    produce: ReminderProducer | None = None,
    selection: Mapping[int, Sequence[int]] | None = None,
) -> list[Sent]:
    """Send the day's proposal by ``channel`` (print, email or mark), one letter per
    customer, and record it. ``selection``: only these entries, by customer id (the
    screen's ticks); an entry no longer proposed is left out. ``produce``: what makes
    the documents, needed to print or e-mail. Everything in one transaction: a failure
    writes nothing."""
    require_write(ctx.actor)
    check_channel(channel, CHANNELS)
    producer = produce
    if channel != "mark" and producer is None:
        raise ValueError(f"sending reminders by {channel} needs a producer")
    wanted = None if selection is None else set(selection)
    groups = reminder_groups(ctx.session, ctx.today, period_days(ctx), wanted)
    results = []
    for group in groups:
        ids = [e["id"] for e in group["entries"]]
        if selection is not None:
            ticked = set(selection.get(group["customer_id"], ()))
            ids = [i for i in ids if i in ticked]
        if not ids:
            continue
        sent = Sent(group["customer_id"], group["customer"], group["name"], ids)
        results.append(sent)
        sent.missing = missing_recipient(ctx, group["customer_id"], channel)
        if sent.missing is not None:
            continue
        if producer is not None and channel != "mark":
            sent.document_id = producer(ctx, group["customer_id"], ids, channel, out_dir)
        done = record_sent(ctx, group["customer_id"], ids, channel, sent.document_id)
        sent.recorded, sent.skipped = done.recorded, done.skipped
    return results
