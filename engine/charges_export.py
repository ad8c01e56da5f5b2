"""Charges that round-trip (docs/RULES.md, docs/IMPORT.md "Charges coming back").

``export charges`` writes the fees, penalties and indemnities the collection created (entries
of source ``collection``) as balanced entries to book in the accounting: for each charge, a
debit on the customer account it is on (411…) and a credit of the same amount on the
company's income account of its kind (settings ``charges_account_fee``,
``charges_account_penalty``, ``charges_account_indemnity``), in the journal
``charges_journal``.

Piece reference
    Each charge gets, at its first export, a piece reference kept with it for good
    (``Entry.charge_ref``): its dossier's number, a dash, a letter for its kind (F fee,
    P penalty, I indemnity) and its number among that dossier's exported charges, two
    digits at least: ``D000012-P03`` is the third charge of dossier D000012, a penalty.
    Both lines of the entry carry it (CSV ``piece``, FEC ``PieceRef`` and ``EcritureNum``),
    and exporting again writes the same one.

Exported once
    ``Entry.exported_at`` records when a charge was exported; a later export leaves it out,
    unless ``again`` (then every charge, the time moving). ``since``: charges dated on or
    after that day only.

Coming back (:func:`known_charges`)
    When an import brings back a line on a customer account whose piece is the reference of
    one of our charges, of that charge's customer and amount (debit as debit), that line
    IS the charge: no second entry; its lettering (and due date) apply to the charge, so a
    charge lettered with a payment is settled (open amount 0 through its lettering group)
    and leaves the dossier's charges. The income-account line is no customer entry: the
    import skips it as any other account.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from engine.access import require_write
from engine.context import Ctx
from engine.entry_formats import CSV_COLUMNS, FEC_FIELDS
from engine.errors import UserError
from engine.history import now
from engine.i18n import N_, _, gettext_in
from engine.inert import inert
from engine.reads.charges import ChargeRow, charge_rows, referenced_counts
from engine.settings import INCOME_ACCOUNTS
from models.tables import Entry

FORMATS = ("csv", "fec")
KIND_LETTER = {"fee": "F", "penalty": "P", "indemnity": "I"}
# Written in the company's document_language, like the charges' labels (engine.effects).
JOURNAL_LABEL = N_("Collection charges")
CUSTOMERS_LABEL = N_("Customers")
INCOME_LABELS = {
    "fee": N_("Collection fees"),
    "penalty": N_("Late-payment interest"),
    "indemnity": N_("Fixed recovery indemnities"),
}


@dataclass
class ChargesExport:
    text: str  # the file's content
    count: int = 0  # charges written (two lines each)
    references: list[str] = field(default_factory=list)
    total: Decimal = Decimal("0.00")


# The end of every reference charge_reference writes: a dash, the kind's letter, a number.
_REFERENCE_TAIL = re.compile(r"-[FPI][0-9]{2,}$")


def charge_reference(dossier: str, kind: str, number: int) -> str:
    """``D000012-P03``: dossier number, kind letter, number of the charge in its dossier."""
    return f"{dossier}-{KIND_LETTER[kind]}{number:02d}"


def _income_accounts(ctx: Ctx) -> dict[str, str]:
    prefix = str(ctx.settings.customer_account_prefix)
    accounts: dict[str, str] = {}
    for key in INCOME_ACCOUNTS:
        account = str(ctx.settings.get(key))
        if account.startswith(prefix):
            raise UserError(
                _(
                    "Setting {key} is {value}, which starts with the customer account prefix "
                    "{prefix}: expected an income account such as 708800 (settings set {key} …)."
                ).format(key=key, value=account, prefix=prefix)
            )
        accounts[key.removeprefix("charges_account_")] = account
    return accounts


def _assign_references(ctx: Ctx, rows: list[ChargeRow]) -> dict[int, str]:
    """Entry id -> its reference: the kept one, or the next of its dossier."""
    new = [row for row in rows if not row["charge_ref"]]
    counts = referenced_counts(ctx.session, sorted({row["dossier"] for row in new}))
    refs: dict[int, str] = {}
    for row in rows:
        ref = row["charge_ref"]
        if not ref:
            counts[row["dossier"]] += 1
            ref = charge_reference(row["dossier"], row["kind"], counts[row["dossier"]])
        refs[row["id"]] = ref
    return refs


def _flat(text: str) -> str:
    """A FEC field: no tab nor line break inside (they would cut the line)."""
    return " ".join(text.replace("\t", " ").splitlines()) if text else ""


def _fec_amount(amount: Decimal) -> str:
    return format(amount, ".2f").replace(".", ",")


def _fec_date(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def _csv_text(ctx: Ctx, rows: list[ChargeRow], refs: dict[int, str], journal: str) -> str:
    accounts = _income_accounts(ctx)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        ref, amount = refs[row["id"]], format(row["amount"], ".2f")
        common = (row["customer_code"], row["customer_name"], journal, row["date"].isoformat())
        due = row["due_date"].isoformat() if row["due_date"] else ""
        about = (ref, row["invoice"], row["dossier"])  # piece, invoice, reference
        lettering = row["lettering"] or ""
        customer = (row["account"], row["label"], due, amount, "", lettering, row["kind"])
        income = (accounts[row["kind"]], row["label"], "", "", amount, "", row["kind"])
        writer.writerow((*common, *about, *customer))
        writer.writerow((*common, *about, *income))
    return buffer.getvalue()


def _fec_text(ctx: Ctx, rows: list[ChargeRow], refs: dict[int, str], journal: str) -> str:
    accounts = _income_accounts(ctx)
    language = ctx.settings.document_language
    journal_label = gettext_in(language, JOURNAL_LABEL)
    customers = gettext_in(language, CUSTOMERS_LABEL)
    valid = _fec_date(ctx.today)
    lines = ["\t".join(FEC_FIELDS)]
    for row in rows:
        ref, amount, zero = refs[row["id"]], _fec_amount(row["amount"]), _fec_amount(Decimal(0))
        day = _fec_date(row["date"])
        label = _flat(row["label"])
        customer = (row["account"], customers, row["customer_code"], _flat(row["customer_name"]))
        income = (accounts[row["kind"]], gettext_in(language, INCOME_LABELS[row["kind"]]), "", "")
        for account, debit, credit, lettering in (
            (customer, amount, zero, row["lettering"] or ""),
            (income, zero, amount, ""),
        ):
            fields = (journal, journal_label, ref, day, *account, ref, day, label, debit, credit)
            lines.append("\t".join((*fields, lettering, "", valid, "", "")))
    return "\n".join(lines) + "\n"


def parse_format(value: str) -> str:
    fmt = value.strip().lower()
    if fmt not in FORMATS:
        raise UserError(
            _("Unknown format {value!r}: expected csv or fec.").format(value=inert(value))
        )
    return fmt


def export_charges(
    ctx: Ctx, *, since: dt.date | None = None, fmt: str = "csv", again: bool = False
) -> ChargesExport:
    """The charges to book, as a CSV or FEC text; marks them exported (and gives the new
    ones their reference). The caller writes the text inside the same unit of work, so a
    file that cannot be written leaves them as they were."""
    require_write(ctx.actor)
    fmt = parse_format(fmt)
    rows = charge_rows(ctx.session, since=since, again=again)
    journal = str(ctx.settings.charges_journal)
    refs = _assign_references(ctx, rows)
    writer = _csv_text if fmt == "csv" else _fec_text
    result = ChargesExport(text=writer(ctx, rows, refs, journal), count=len(rows))
    result.references = [refs[row["id"]] for row in rows]
    result.total = sum((row["amount"] for row in rows), Decimal("0.00"))
    at = now()
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), 500):
        # Through the ORM: each charge's change gets its history row.
        for entry in ctx.session.scalars(
            select(Entry).where(col(Entry.id).in_(ids[start : start + 500]))
        ):
            assert entry.id is not None
            entry.charge_ref = refs[entry.id]
            entry.exported_at = at
    ctx.session.flush()
    return result


def known_charges(ctx: Ctx, lines: Iterable[tuple[int, str, Decimal, Decimal]]) -> dict[int, Any]:
    """The import's hook for charges coming back (see the module's docstring).

    ``lines``: (customer id, piece, debit, credit) of each line of a file on a customer
    account, in the file's order. Returns, by the line's position in ``lines``, the
    exported charge it is (its ``id`` and ``source_key``: the import reads it as it reads
    any stored entry, engine.importing.existing, and updates it instead of adding an
    entry). A charge is
    the first such line only; a line naming a reference with another customer or amount is
    not that charge. Used by engine.csv_import, and for the FEC import, at the one place
    that decides between adding and updating an entry."""
    # Only pieces shaped like our references are looked up: a million-line file holds a
    # handful of them, and the rest are neither kept nor queried.
    items = [
        (position, line)
        for position, line in enumerate(lines)
        if line[1] and _REFERENCE_TAIL.search(line[1])
    ]
    pieces = sorted({line[1] for _position, line in items})
    found: dict[str, Any] = {}
    for start in range(0, len(pieces), 500):
        for hit in ctx.session.execute(
            select(
                col(Entry.id),
                col(Entry.source_key),
                col(Entry.customer_id),
                col(Entry.debit),
                col(Entry.credit),
                col(Entry.charge_ref),
            ).where(col(Entry.charge_ref).in_(pieces[start : start + 500]))
        ):
            found[hit.charge_ref] = hit
    result: dict[int, Any] = {}
    taken: set[int] = set()
    for position, (customer_id, piece, debit, credit) in items:
        row = found.get(piece)
        if (
            row is None
            or row.id in taken
            or row.customer_id != customer_id
            or (row.debit, row.credit) != (debit, credit)
        ):
            continue
        taken.add(row.id)
        result[position] = row
    return result
