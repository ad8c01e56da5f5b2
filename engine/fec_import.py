"""Import of a FEC (Fichier des Écritures Comptables) file (docs/IMPORT.md, "FEC").

The file
    The general-ledger export every French accounting system produces (Livre des
    procédures fiscales A47 A-1): first line the field names, one accounting line per
    line, separator tab or ``|`` (the header line says which), no quoting. The 18 fields,
    in this order: ``JournalCode JournalLib EcritureNum EcritureDate CompteNum CompteLib
    CompAuxNum CompAuxLib PieceRef PieceDate EcritureLib Debit Credit EcritureLet DateLet
    ValidDate Montantdevise Idevise`` (names read whatever their case); more columns may
    follow. Encoding UTF-8 (a byte-order mark is fine, and says so) or ISO-8859-15: the
    first line that is not plain ASCII decides, and every line must then be in that
    encoding.

Values
    Dates ``AAAAMMJJ`` (EcritureDate required; PieceDate, DateLet, ValidDate and a due date
    column checked when given). Debit and Credit with ``,`` or ``.`` as decimal mark, 0 or
    more, empty meaning 0; a line with both above 0 is refused; a line with both 0 is
    counted (``skipped_zero``) and carries no debt. JournalCode, EcritureNum and CompteNum
    are required. The lines of an accounting entry (same JournalCode and EcritureNum) must
    balance: debits = credits over ALL its lines, customer or not.

Customer lines
    CompteNum starts with the customer account prefix (setting ``customer_account_prefix``,
    411 by default); the others (706 sales, 44571 VAT, 512 bank…) are checked, counted
    (``skipped_accounts``) and not imported. The customer is CompAuxNum (CompteNum when
    it is empty), named CompAuxLib (CompteLib when CompAuxNum is empty).

An entry (``Entry``) per customer line
    journal = JournalCode, date = EcritureDate, piece = PieceRef, reference = EcritureNum,
    account = CompteNum, label = EcritureLib, lettering = EcritureLet, invoice = PieceRef on
    invoices and credit notes. Kind: a line on a ``4191`` account (deposits received) or a
    credit whose label says ``acompte`` is a deposit; else a debit is an invoice; a credit
    is a credit note on a sales journal (code starting with ``V``) and a payment on any
    other — as the CSV import infers it.

Due date
    From a ``DateEcheance`` or ``EcheanceDate`` column after the 18 fields when the file
    has one (an empty cell there: computed); else PieceDate (EcritureDate when empty) + the
    customer's payment terms, for invoices. The report says which (``due_date_source``).

Identity (``Entry.source_key``)
    ``fec:`` + JournalCode + ``:`` + EcritureNum + ``:`` + the first 16 hex digits of the
    SHA-1 of EcritureDate, CompteNum, CompAuxNum, PieceRef, EcritureLib, Debit and Credit,
    + ``#n`` for the n-th identical line of the same entry. Lettering, its date, the due
    date and the labels of journals and accounts are not part of it: a later file that
    letters a known line updates that entry.

Vanished entries
    Entries imported from an earlier FEC file (source ``fec``), on a journal this file has
    lines in and dated within this file's first and last EcritureDate, whose line is not in
    this file. They are reported (``vanished``), never deleted: the accounting may have
    reversed or renumbered them, and a person decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from engine.access import require_write
from engine.context import Ctx
from engine.entry_formats import FEC_FIELDS
from engine.errors import UserError
from engine.i18n import _, ngettext
from engine.importing import ImportLine, ImportReport, refused, unreadable, write_entries
from engine.parsing import MAX_DATE, MIN_DATE, InvalidNumber, parse_amount
from engine.text_limits import field_limit
from engine.turns import IMPORTS, wait_turn
from models.tables import Customer, Entry

FIELDS = FEC_FIELDS
(
    JOURNAL,
    _JOURNAL_LIB,
    NUMBER,
    DATE,
    ACCOUNT,
    ACCOUNT_LIB,
    AUX,
    AUX_LIB,
    PIECE,
    PIECE_DATE,
    LABEL,
    DEBIT,
    CREDIT,
    LETTERING,
    LETTER_DATE,
    VALID_DATE,
    CURRENCY_AMOUNT,
    _CURRENCY,
) = range(18)
DUE_COLUMNS = ("dateecheance", "echeancedate")
SOURCE = "fec"
SHOWN = 60  # characters of a value quoted in a message
MAX_ERRORS = 1000  # a wholly wrong file: the first thousand problems are enough to see why
DEPOSIT_ACCOUNT = "4191"  # Clients - avances et acomptes reçus sur commandes
CENT = Decimal("0.01")
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}(?:[.,][0-9]{0,2})?")
_DATE = re.compile(r"[0-9]{8}")
LIMITS = {
    "customer": field_limit(Customer, "code"),
    "name": field_limit(Customer, "name"),
    "journal": field_limit(Entry, "journal"),
    "piece": field_limit(Entry, "piece"),
    "label": field_limit(Entry, "label"),
    "account": field_limit(Entry, "account"),
    "lettering": field_limit(Entry, "lettering"),
    "number": 60,  # EcritureNum, kept in Entry.reference and in the source key
}

# progress(stage, done, total): stage "read" counts bytes of the file, "write" lines.
FecProgress = Callable[[str, int, int], None]


@dataclass
class FecReport(ImportReport):
    encoding: str = ""  # utf-8 | iso-8859-15
    separator: str = ""  # "\t" | "|"
    entries: int = 0  # accounting entries (JournalCode + EcritureNum) in the file
    skipped_zero: int = 0  # lines with debit and credit both 0
    # The due date column's name (DateEcheance, EcheanceDate), or "payment_terms" when the
    # file has none and due dates are PieceDate (or EcritureDate) + the customer's terms.
    due_date_source: str = "payment_terms"
    # Entries of an earlier FEC import in this file's journals and period, missing from it.
    vanished: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    """Balance of one accounting entry, checked once the file is read."""

    first: int
    total: int = 0  # cents, debit − credit
    debit: int = 0
    bad: bool = False  # a line of it is already refused: its balance says nothing


class _Reader:
    """Checks every line of the file, collecting every problem instead of stopping."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.errors: list[str] = []
        self.bad_lines: set[int] = set()
        self.problems = 0
        self.dates: dict[str, dt.date | None] = {}
        self.encoding: str | None = None
        self.encoding_line = 0
        self.separator = ""
        self.width = 0
        self.due_column: int | None = None
        self.due_name = ""
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.lines: list[ImportLine] = []
        self.count = 0
        self.skipped_accounts = 0
        self.skipped_zero = 0
        self.journals: set[str] = set()
        self.first_date: dt.date | None = None
        self.last_date: dt.date | None = None
        self.strings: dict[str, str] = {}  # one copy of each repeated text (codes, journals)

    # --- problems ---------------------------------------------------------------------------

    def problem(self, line: int, text: str) -> None:
        self.bad_lines.add(line)
        self.problems += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(text)

    def fail(self, line: int, name: str, value: str, expected: str) -> None:
        shown = value if len(value) <= SHOWN else value[:SHOWN] + "…"
        self.problem(
            line,
            _("line {line}: {field} {value!r}: expected {expected}").format(
                line=line, field=name, value=shown, expected=expected
            ),
        )

    # --- decoding ---------------------------------------------------------------------------

    def decode(self, number: int, raw: bytes) -> str | None:
        if raw.isascii():
            return raw.decode("ascii")
        if self.encoding is None:
            try:
                text = raw.decode("utf-8")
                self.encoding = "utf-8"
            except UnicodeDecodeError:
                self.encoding = "iso-8859-15"
                text = raw.decode("iso-8859-15")
            self.encoding_line = number
        elif self.encoding == "utf-8":
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.problem(
                    number,
                    _(
                        "line {line}: unknown encoding: byte {byte} is not UTF-8, as line "
                        "{first} is: expected the whole file in UTF-8 or in ISO-8859-15"
                    ).format(
                        line=number,
                        byte=f"0x{raw[exc.start]:02X}",
                        first=self.encoding_line,
                    ),
                )
                return None
        else:
            text = raw.decode("iso-8859-15")
        # ISO-8859-15 gives C1 control characters for bytes 0x80-0x9F: a Windows code page
        # (€ is 0x80 in cp1252) or some other encoding, which this import does not guess.
        control = next((ch for ch in text if "\x80" <= ch <= "\x9f"), None)
        if control is not None:
            self.problem(
                number,
                _(
                    "line {line}: unknown encoding: byte {byte} is neither UTF-8 nor "
                    "ISO-8859-15 text: expected a file in UTF-8 or ISO-8859-15"
                ).format(line=number, byte=f"0x{ord(control):02X}"),
            )
            return None
        if "\x00" in text:
            self.problem(
                number,
                _("line {line}: a NUL character: expected text (is this a FEC file?)").format(
                    line=number
                ),
            )
            return None
        return text

    # --- header -----------------------------------------------------------------------------

    def header(self, text: str) -> None:
        text = text.lstrip("\ufeff")
        if "\t" in text:
            self.separator = "\t"
        elif "|" in text:
            self.separator = "|"
        else:
            raise UserError(
                _(
                    "{path} line 1: no tab or '|' in the header line: expected the FEC field "
                    "names {names} separated by tabs or '|'."
                ).format(path=str(self.path), names=" ".join(FIELDS))
            )
        names = [name.strip() for name in text.split(self.separator)]
        problems: list[str] = []
        for index, wanted in enumerate(FIELDS):
            if index >= len(names):
                problems.append(
                    _("line 1: missing header field {name} (field {n})").format(
                        name=wanted, n=index + 1
                    )
                )
            elif names[index].lower() != wanted.lower():
                problems.append(
                    _("line 1: field {n} {value!r}: expected {name}").format(
                        n=index + 1, value=names[index][:SHOWN], name=wanted
                    )
                )
        if problems:
            raise refused(self.path, 1, problems)
        self.width = len(names)
        while self.width > len(FIELDS) and not names[self.width - 1]:
            self.width -= 1  # a separator closing the header line
        for index, name in enumerate(names[len(FIELDS) :], start=len(FIELDS)):
            if name.lower() in DUE_COLUMNS and self.due_column is None:
                self.due_column, self.due_name = index, name

    # --- values -----------------------------------------------------------------------------

    def date(self, line: int, name: str, value: str) -> dt.date | None:
        if value in self.dates:
            day = self.dates[value]
        else:
            day = None
            if _DATE.fullmatch(value):
                try:
                    day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
                except ValueError:
                    day = None
                if day is not None and not MIN_DATE <= day <= MAX_DATE:
                    day = None
            self.dates[value] = day
        if day is None:
            self.fail(
                line,
                name,
                value,
                _("a date AAAAMMJJ from {first} to {last}").format(
                    first=MIN_DATE.strftime("%Y%m%d"), last=MAX_DATE.strftime("%Y%m%d")
                ),
            )
        return day

    def amount(self, line: int, name: str, value: str) -> Decimal | None:
        if not value:
            return Decimal("0.00")
        if _PLAIN_AMOUNT.fullmatch(value):  # the usual form, without the general parser
            return Decimal(value.replace(",", ".")).quantize(CENT)
        try:
            return parse_amount(value, name, minimum=Decimal(0))
        except InvalidNumber as exc:
            self.fail(line, name, value, exc.expected)
            return None

    def intern(self, text: str) -> str:
        return self.strings.setdefault(text, text)

    # --- one line ---------------------------------------------------------------------------

    def line(self, number: int, text: str) -> None:
        cells = text.split(self.separator)
        if len(cells) < self.width or (
            len(cells) > self.width and any(c.strip() for c in cells[self.width :])
        ):
            self.problem(
                number,
                _(
                    "line {line}: {count} fields: expected {width} as in the header "
                    "(separator {separator!r})"
                ).format(
                    line=number,
                    count=len(cells),
                    width=self.width,
                    separator=self.separator,
                ),
            )
            return
        cells = list(map(str.strip, cells[: self.width]))
        problems_before = self.problems
        journal, entry_number, account = cells[JOURNAL], cells[NUMBER], cells[ACCOUNT]
        for index in (JOURNAL, NUMBER, ACCOUNT):
            if not cells[index]:
                self.fail(number, FIELDS[index], "", _("a value"))
        day = self.date(number, "EcritureDate", cells[DATE])
        piece_date = (
            self.date(number, "PieceDate", cells[PIECE_DATE]) if cells[PIECE_DATE] else None
        )
        for index in (LETTER_DATE, VALID_DATE):
            if cells[index]:
                self.date(number, FIELDS[index], cells[index])
        due_date = None
        if self.due_column is not None and cells[self.due_column]:
            due_date = self.date(number, self.due_name, cells[self.due_column])
        debit = self.amount(number, "Debit", cells[DEBIT])
        credit = self.amount(number, "Credit", cells[CREDIT])
        if cells[CURRENCY_AMOUNT]:
            try:
                parse_amount(cells[CURRENCY_AMOUNT], "Montantdevise")
            except InvalidNumber as exc:
                self.fail(number, "Montantdevise", cells[CURRENCY_AMOUNT], exc.expected)
        if debit is not None and credit is not None and debit > 0 and credit > 0:
            self.problem(
                number,
                _(
                    "line {line}: Debit {debit!r} and Credit {credit!r} both set: expected "
                    "one of them (the other empty or 0)"
                ).format(line=number, debit=cells[DEBIT], credit=cells[CREDIT]),
            )
        bad = self.problems != problems_before
        key = (journal, entry_number)
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _Entry(first=number)
        if bad or debit is None or credit is None or day is None:
            entry.bad = True
            return
        cents = int(debit * 100) - int(credit * 100)
        entry.total += cents
        entry.debit += int(debit * 100)
        self.journals.add(journal)
        if self.first_date is None or day < self.first_date:
            self.first_date = day
        if self.last_date is None or day > self.last_date:
            self.last_date = day
        if not account.startswith(self.prefix):
            self.skipped_accounts += 1
            return
        aux = cells[AUX]
        code = aux or account
        name = cells[AUX_LIB] if aux else cells[ACCOUNT_LIB]
        for what, value, limit in (
            ("CompAuxNum" if aux else "CompteNum", code, LIMITS["customer"]),
            ("CompAuxLib" if aux else "CompteLib", name, LIMITS["name"]),
            ("JournalCode", journal, LIMITS["journal"]),
            ("EcritureNum", entry_number, LIMITS["number"]),
            ("CompteNum", account, LIMITS["account"]),
            ("PieceRef", cells[PIECE], LIMITS["piece"]),
            ("EcritureLib", cells[LABEL], LIMITS["label"]),
            ("EcritureLet", cells[LETTERING], LIMITS["lettering"]),
        ):
            if len(value) > limit:
                self.fail(number, what, value, _("at most {n} characters").format(n=limit))
        if number in self.bad_lines:
            entry.bad = True
            return
        if debit == 0 and credit == 0:
            self.skipped_zero += 1
            return
        kind = infer_kind(journal, account, cells[LABEL], debit)
        self.lines.append(
            ImportLine(
                line=number,
                customer_code=self.intern(code),
                customer_name=self.intern(name),
                journal=self.intern(journal),
                date=day,
                piece=cells[PIECE],
                invoice=cells[PIECE] if kind in ("invoice", "credit_note") else "",
                reference=entry_number,
                account=self.intern(account),
                label=cells[LABEL],
                due_date=due_date,
                debit=debit,
                credit=credit,
                lettering=cells[LETTERING] or None,
                kind=kind,
                source_key=_identity(cells, debit, credit),
                due_from=piece_date,
            )
        )

    def balance(self) -> None:
        """Every entry's lines balance (checked over all of them, customer or not)."""
        for (journal, entry_number), entry in self.entries.items():
            if entry.bad or entry.total == 0:
                continue
            debit = Decimal(entry.debit) / 100
            credit = Decimal(entry.debit - entry.total) / 100
            self.problem(
                entry.first,
                _(
                    "line {line}: entry {journal} {number}: its lines total debit {debit} and "
                    "credit {credit}: expected equal totals (a balanced entry)"
                ).format(
                    line=entry.first,
                    journal=journal,
                    number=entry_number,
                    debit=f"{debit:.2f}",
                    credit=f"{credit:.2f}",
                ),
            )


def infer_kind(journal: str, account: str, label: str, debit: Decimal) -> str:
    """invoice | credit_note | payment | deposit, from the journal, account and amounts."""
    if account.startswith(DEPOSIT_ACCOUNT):
        return "deposit"
    if debit > 0:
        return "invoice"
    if "acompte" in label.lower():
        return "deposit"
    return "credit_note" if journal.upper().startswith("V") else "payment"


def _identity(cells: list[str], debit: Decimal, credit: Decimal) -> str:
    parts = (
        cells[DATE],
        cells[ACCOUNT],
        cells[AUX],
        cells[PIECE],
        cells[LABEL],
        str(debit),
        str(credit),
    )
    # NUL keeps the cells apart unambiguously: no line of an accepted file holds one.
    text = "\x00".join(parts)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return f"fec:{cells[JOURNAL]}:{cells[NUMBER]}:{digest}"


def _read(path: Path, prefix: str, progress: FecProgress | None) -> _Reader:
    reader = _Reader(path, prefix)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise unreadable(path, exc, "FEC") from None
    with handle:
        size = path.stat().st_size
        first = handle.readline()
        if first.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise refused(
                path,
                1,
                [
                    _(
                        "line 1: unknown encoding: UTF-16 or UTF-32: expected UTF-8 or "
                        "ISO-8859-15 (convert the file first)"
                    )
                ],
            )
        if not first.strip():
            raise UserError(
                _("{path} is empty: expected the FEC header line {names}.").format(
                    path=str(path), names=" ".join(FIELDS)
                )
            )
        if first.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark says which
            reader.encoding, reader.encoding_line = "utf-8", 1
        header = reader.decode(1, first.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n"))
        if header is None:
            raise refused(path, 1, reader.errors)
        reader.header(header)
        done = len(first)
        number = 1
        for raw in handle:
            number += 1
            done += len(raw)
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            reader.count += 1
            text = reader.decode(number, raw)
            if text is not None:
                reader.line(number, text)
            if progress is not None and not number % 20000:
                progress("read", done, size)
        if progress is not None:
            progress("read", size, size)
    reader.balance()
    if reader.errors:
        errors = sorted(reader.errors, key=_line_of)
        if len(reader.bad_lines) > len(errors):
            more = len(reader.bad_lines) - len(errors)
            errors.append(
                ngettext(
                    "… and {n} more invalid line", "… and {n} more invalid lines", more
                ).format(n=more)
            )
        raise refused(path, len(reader.bad_lines), errors)
    return reader


def _line_of(message: str) -> int:
    match = re.search(r"[0-9]+", message)
    return int(match.group()) if match else 0


def _number_duplicates(lines: list[ImportLine]) -> None:
    """Identical lines of one entry: ``#1``, ``#2``… in the order of the file."""
    seen: dict[str, int] = {}
    for item in lines:
        n = seen.get(item.source_key, 0) + 1
        seen[item.source_key] = n
        item.source_key = f"{item.source_key}#{n}"


def _vanished(ctx: Ctx, reader: _Reader, keys: set[str]) -> list[dict[str, str]]:
    if not reader.journals or reader.first_date is None or reader.last_date is None:
        return []
    found: list[dict[str, str]] = []
    query = (
        select(
            col(Entry.id),
            col(Entry.source_key),
            col(Customer.code),
            col(Entry.journal),
            col(Entry.reference),
            col(Entry.date),
            col(Entry.piece),
            col(Entry.label),
            col(Entry.debit),
            col(Entry.credit),
        )
        .join(Customer, col(Customer.id) == col(Entry.customer_id))
        .where(
            col(Entry.source) == SOURCE,
            col(Entry.journal).in_(sorted(reader.journals)),
            col(Entry.date) >= reader.first_date,
            col(Entry.date) <= reader.last_date,
        )
        .order_by(col(Entry.id))
    )
    for row in ctx.session.execute(query.execution_options(yield_per=5000)):
        if row.source_key in keys:
            continue
        found.append(
            {
                "id": str(row.id),
                "customer": row.code,
                "journal": row.journal,
                "number": row.reference,
                "date": row.date.isoformat(),
                "piece": row.piece,
                "label": row.label,
                "debit": f"{row.debit:.2f}",
                "credit": f"{row.credit:.2f}",
            }
        )
    return found


def import_fec(ctx: Ctx, path: Path, progress: FecProgress | None = None) -> FecReport:
    """Import the customer lines of a FEC file: all of them or, when a line is bad, none."""
    require_write(ctx.actor)
    path = Path(path)
    reader = _read(path, ctx.settings.customer_account_prefix, progress)
    lines = reader.lines
    _number_duplicates(lines)
    wait_turn(ctx.session, IMPORTS)  # another import of these lines ends first (PostgreSQL)
    report = FecReport(
        file=str(path),
        lines=reader.count,
        skipped_accounts=reader.skipped_accounts,
        encoding=reader.encoding or "utf-8",
        separator=reader.separator,
        entries=len(reader.entries),
        skipped_zero=reader.skipped_zero,
        due_date_source=reader.due_name or "payment_terms",
    )
    keys = {item.source_key for item in lines}
    report.vanished = _vanished(ctx, reader, keys)
    del keys
    write_entries(
        ctx,
        path,
        lines,
        report,
        SOURCE,
        None,
        None if progress is None else (lambda done, total: progress("write", done, total)),
    )
    return report
