"""Lettering in the program (docs/RULES.md, "Lettering"): match a customer's payments with
its invoices, undo a match, propose matches.

Rules:
- The entries lettered together belong to ONE customer and ONE account, and none of them is
  lettered already. The code is the next free one of that customer account (AA, AB… AZ,
  BA… ZZ, then AAA…) unless one is given: letters only, at most 20, not used on that
  account (compared without case: ``aa`` and ``AA`` would be one group to a reader).
- A group that does not balance is a partial lettering: what it leaves open stays on its
  invoices, the oldest due first (engine.balances.allocate_group).
- Open amounts and dossier totals are refreshed as after an import; a dossier whose
  principal becomes settled closes and a settled dossier owed again reopens
  (engine.dossiers.settle_and_reopen, under the ``auto_close`` setting). The history has a
  row per entry changed, a row for the lettering itself and the dossiers' own rows.
- Agents and managers letter and unletter (like excluding an entry); auditors are refused.
- The accounting is the book of record: the next import's lettering column wins for every
  line it carries (engine.csv_import), so a code set here on a line the accounting exports
  unlettered is removed by that import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count, product
from string import ascii_uppercase
from typing import TypedDict

from sqlmodel import col, select

from engine.access import require_write
from engine.balances import (
    ZERO,
    Line,
    allocate_group,
    dossiers_of_entries,
    refresh_dossiers,
    refresh_open_amounts,
)
from engine.context import Ctx
from engine.dossiers import find_customer, settle_and_reopen
from engine.errors import NotFound, UserError
from engine.history import record
from engine.i18n import _
from models.tables import Customer, Entry

MAX_CODE = 20  # the width of Entry.lettering
CODE_RE = re.compile(r"[A-Za-z]+")
# The shortest text taken for an invoice number found in a payment's label: "12" would be
# found everywhere.
MIN_NUMBER = 3


@dataclass
class LetterResult:
    customer: str  # the customer's code
    account: str
    code: str
    entry_ids: list[int]
    open_amount: Decimal  # what the group leaves open (0: settled)
    closed: list[str] = field(default_factory=list)  # dossier numbers
    reopened: list[str] = field(default_factory=list)


@dataclass
class UnletterResult:
    customer: str
    code: str
    accounts: list[str]
    entry_ids: list[int]
    closed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)


class Suggestion(TypedDict):
    """A proposed match: one payment and the invoices it seems to pay."""

    account: str
    payment: int  # entry id
    payment_label: str
    payment_date: dt.date
    payment_piece: str
    amount: Decimal  # the payment's credit
    invoices: list[int]  # entry ids, oldest due first
    numbers: list[str]  # their invoice numbers
    pieces: list[str]  # their pieces
    amounts: list[Decimal]  # what each leaves open (debit − credit: none is lettered)
    total: Decimal  # what the invoices leave open together
    left: Decimal  # total − amount: 0 settles in full, > 0 still owed, < 0 paid over
    reason: str  # "invoice_number" | "amount"


def codes() -> Iterable[str]:
    """Every code in order: AA… ZZ, AAA… ZZZ, and so on."""
    for width in count(2):
        for letters in product(ascii_uppercase, repeat=width):
            yield "".join(letters)


def next_free_code(used: Iterable[str]) -> str:
    taken = {code.upper() for code in used if code}
    return next(code for code in codes() if code not in taken)


def used_codes(ctx: Ctx, customer_id: int, account: str) -> set[str]:
    found = ctx.session.exec(
        select(col(Entry.lettering))
        .where(
            Entry.customer_id == customer_id,
            Entry.account == account,
            col(Entry.lettering).is_not(None),
        )
        .distinct()
    ).all()
    return {code for code in found if code}


def check_code(code: str, used: set[str], customer: str, account: str) -> str:
    code = code.strip()
    if not CODE_RE.fullmatch(code) or len(code) > MAX_CODE or not code.isascii():
        raise UserError(
            _("Invalid lettering code {code!r}: expected 1 to {n} letters A-Z, such as AB.").format(
                code=code, n=MAX_CODE
            )
        )
    if code.upper() in {c.upper() for c in used}:
        raise UserError(
            _(
                "Lettering code {code!r} is already used on account {account} of customer "
                "{customer}: give another code, or none for the next free one."
            ).format(code=code, account=account, customer=customer)
        )
    return code


def _entries(ctx: Ctx, entry_ids: list[int], lock: bool) -> list[Entry]:
    if not entry_ids:
        raise UserError(_("No entry to letter: give the ids of two entries or more."))
    ids = sorted(set(entry_ids))
    query = select(Entry).where(col(Entry.id).in_(ids)).order_by(col(Entry.id))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = {entry.id: entry for entry in ctx.session.exec(query)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFound(
            _(
                "Unknown entry {ids}: expected the id of an entry (see `recouvrement customers "
                "show CODE` or `dossier show NUMBER`)."
            ).format(ids=", ".join(missing))
        )
    return [found[i] for i in ids]


def _settle(ctx: Ctx, entry_ids: Iterable[int]) -> tuple[list[str], list[str]]:
    """Dossier totals of the dossiers holding these entries, then close / reopen them."""
    dossier_ids = dossiers_of_entries(ctx.session, entry_ids)
    if not dossier_ids:
        return [], []
    refresh_dossiers(ctx.session, dossier_ids)
    closed, reopened = settle_and_reopen(ctx, dossier_ids)
    return sorted(closed), sorted(reopened)


@dataclass(frozen=True)
class LetterPreview:
    """What ``letter_entries`` would do: shown before a person confirms it."""

    customer: str
    account: str
    code: str
    entry_ids: list[int]
    open_amount: Decimal


def _checked(
    ctx: Ctx, entry_ids: Iterable[int], code: str | None, lock: bool
) -> tuple[list[Entry], Customer, str]:
    """The entries to letter, their customer and the code, or a refusal naming why."""
    session = ctx.session
    entries = _entries(ctx, list(entry_ids), lock)
    if len(entries) < 2:
        raise UserError(
            _("Only entry {id} given: lettering matches two entries or more.").format(
                id=entries[0].id
            )
        )
    first = entries[0]
    customer = session.get(Customer, first.customer_id)
    assert customer is not None and customer.id is not None
    for entry in entries[1:]:
        if entry.customer_id != first.customer_id:
            other = session.get(Customer, entry.customer_id)
            raise UserError(
                _(
                    "Entries {a} and {b} belong to different customers ({ca}, {cb}): "
                    "lettering matches entries of one customer."
                ).format(a=first.id, b=entry.id, ca=customer.code, cb=other.code if other else "?")
            )
        if entry.account != first.account:
            raise UserError(
                _(
                    "Entries {a} and {b} are on different accounts ({aa}, {ab}): lettering "
                    "matches entries of one account."
                ).format(a=first.id, b=entry.id, aa=first.account, ab=entry.account)
            )
    for entry in entries:
        if entry.lettering:
            raise UserError(
                _(
                    "Entry {id} is already lettered {code}: unletter it first "
                    "(recouvrement lettering remove {code} --customer {customer})."
                ).format(id=entry.id, code=entry.lettering, customer=customer.code)
            )
    if lock:
        # Locked: two letterings of one customer at once must not take the same code.
        find_customer(session, customer.code, lock=True)
    used = used_codes(ctx, customer.id, first.account)
    if code is None or not code.strip():
        code = next_free_code(used)
    else:
        code = check_code(code, used, customer.code, first.account)
    return entries, customer, code


def preview_lettering(ctx: Ctx, entry_ids: Iterable[int], code: str | None = None) -> LetterPreview:
    """The code ``letter_entries`` would give and what it would leave open; writes nothing.
    Refused as ``letter_entries`` would be."""
    entries, customer, code = _checked(ctx, entry_ids, code, lock=False)
    lines = [Line(e.id or 0, e.debit, e.credit, (e.due_date or e.date, e.id or 0)) for e in entries]
    left = sum(allocate_group(lines).values(), ZERO)
    return LetterPreview(
        customer.code, entries[0].account, code, [e.id or 0 for e in entries], left
    )


def letter_entries(ctx: Ctx, entry_ids: Iterable[int], code: str | None = None) -> LetterResult:
    """Letter entries of one customer account together, with ``code`` or the next free one."""
    require_write(ctx.actor)
    session = ctx.session
    entries, customer, code = _checked(ctx, entry_ids, code, lock=True)
    first = entries[0]
    assert customer.id is not None
    ids = [entry.id for entry in entries if entry.id is not None]
    for entry in entries:
        entry.lettering = code
        entry.version += 1
    session.flush()
    refresh_open_amounts(session, customer.id, [(first.account, code)])
    amounts = session.exec(select(col(Entry.open_amount)).where(col(Entry.id).in_(ids))).all()
    result = LetterResult(customer.code, first.account, code, ids, sum(amounts, ZERO))
    result.closed, result.reopened = _settle(ctx, ids)
    record(
        session,
        "customer",
        str(customer.id),
        "letter",
        {
            "account": first.account,
            "code": code,
            "entries": ids,
            "open_amount": str(result.open_amount),
            "closed": result.closed,
            "reopened": result.reopened,
        },
    )
    session.flush()
    return result


def unletter(ctx: Ctx, customer_code: str, code: str, account: str | None = None) -> UnletterResult:
    """Remove ``code`` from the customer's entries: on every account that uses it, or on
    ``account`` only."""
    require_write(ctx.actor)
    session = ctx.session
    customer = find_customer(session, customer_code, lock=True)
    code = code.strip()
    query = select(Entry).where(Entry.customer_id == customer.id, Entry.lettering == code)
    if account is not None:
        query = query.where(Entry.account == account.strip())
    entries = list(
        session.exec(
            query.order_by(col(Entry.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not entries:
        where = (
            _("on account {account}").format(account=account.strip())
            if account is not None
            else _("on any account")
        )
        raise NotFound(
            _(
                "Customer {customer} has no entry lettered {code!r} {where}: expected a code "
                "it uses (see `recouvrement customers show {customer}`)."
            ).format(customer=customer.code, code=code, where=where)
        )
    for entry in entries:
        entry.lettering = None
        entry.open_amount = entry.debit - entry.credit  # an unlettered entry stands alone
        entry.version += 1
    session.flush()
    ids = [entry.id for entry in entries if entry.id is not None]
    accounts = sorted({entry.account for entry in entries})
    result = UnletterResult(customer.code, code, accounts, ids)
    result.closed, result.reopened = _settle(ctx, ids)
    record(
        session,
        "customer",
        str(customer.id),
        "unletter",
        {
            "accounts": accounts,
            "code": code,
            "entries": ids,
            "closed": result.closed,
            "reopened": result.reopened,
        },
    )
    session.flush()
    return result


def suggestions(ctx: Ctx, customer_id: int) -> list[Suggestion]:
    """Proposed matches among the customer's unlettered entries, each payment and invoice in
    one proposal at most: first the invoices whose number appears in a payment's label or
    reference, then an invoice of the payment's amount (the oldest due first)."""
    rows = ctx.session.exec(
        select(Entry)
        .where(
            Entry.customer_id == customer_id,
            col(Entry.lettering).is_(None),
            col(Entry.kind).in_(("invoice", "payment")),
        )
        .order_by(col(Entry.id))
    ).all()
    invoices = sorted(
        (e for e in rows if e.kind == "invoice" and e.debit > 0),
        key=lambda e: (e.due_date or e.date, e.id or 0),
    )
    payments = [e for e in rows if e.kind == "payment" and e.credit > 0]
    taken: set[int] = set()
    found: list[Suggestion] = []

    def propose(payment: Entry, matched: list[Entry], reason: str) -> None:
        taken.update(e.id for e in matched if e.id is not None)
        amounts = [e.debit - e.credit for e in matched]
        total = sum(amounts, ZERO)
        found.append(
            Suggestion(
                account=payment.account,
                payment=payment.id or 0,
                payment_label=payment.label,
                payment_date=payment.date,
                payment_piece=payment.piece,
                amount=payment.credit,
                invoices=[e.id or 0 for e in matched],
                numbers=[e.invoice or e.piece for e in matched],
                pieces=[e.piece for e in matched],
                amounts=amounts,
                total=total,
                left=total - payment.credit,
                reason=reason,
            )
        )

    left: list[Entry] = []
    for payment in payments:
        text = f"{payment.label} {payment.reference}".upper()
        named = [
            e
            for e in invoices
            if e.id not in taken
            and e.account == payment.account
            and any(
                len(number) >= MIN_NUMBER and _contains_number(text, number.upper())
                for number in {e.invoice.strip(), e.piece.strip()}
            )
        ]
        if named:
            propose(payment, named, "invoice_number")
        else:
            left.append(payment)
    for payment in left:
        same = next(
            (
                e
                for e in invoices
                if e.id not in taken and e.account == payment.account and e.debit == payment.credit
            ),
            None,
        )
        if same is not None:
            propose(payment, [same], "amount")
    found.sort(key=lambda s: s["payment"])
    return found


def customer_suggestions(ctx: Ctx, customer_code: str) -> list[Suggestion]:
    """``suggestions`` of the customer of that code (refused when there is none)."""
    customer = find_customer(ctx.session, customer_code)
    return suggestions(ctx, customer.id or 0)


def _contains_number(text: str, number: str) -> bool:
    """``number`` in ``text`` as a whole: F12 is not found in F123."""
    return re.search(rf"(?<![0-9A-Z]){re.escape(number)}(?![0-9A-Z])", text) is not None
