"""Import of accounting entries from a CSV file (docs/IMPORT.md, docs/RULES.md).

The file
    UTF-8 (a byte-order mark is fine), first line the column names, separated by ``;`` or
    ``,`` (whichever the header line uses most; a tab works too). Names match whatever their
    case and surrounding spaces: ``customer_code, customer_name, journal, date, piece,
    invoice, reference, account, label, due_date, debit, credit, lettering`` and an optional
    ``kind`` and ``consumer``. Required: ``customer_code``, ``date`` and at least one of
    ``debit`` / ``credit``; a missing optional column reads as empty cells. Blank lines are
    skipped.

Values
    Dates ``YYYY-MM-DD`` or ``DD/MM/YYYY``, 1900-01-01 to 2199-12-31. Amounts
    (engine.parsing.parse_amount, as everywhere else) with ``.`` or ``,`` as decimal mark,
    spaces as thousands separators between groups of three digits (``1 234,56``); when
    both ``.`` and ``,`` appear the last one is the decimal mark (``1.234,56``,
    ``1,234.56``). Amounts are 0 or more and exactly one of debit / credit is above 0. An
    empty account is the company's customer account prefix (setting
    ``customer_account_prefix``). An empty lettering means unlettered. ``consumer``:
    ``yes``/``no``, ``1``/``0``, ``oui``/``non``, ``true``/``false``, or empty.

Accounts
    A line whose account does not start with the customer account prefix (``706000``, the
    sales account of a double entry) is not a customer entry: it is checked like every line,
    then skipped and counted (``skipped_accounts``), as the FEC import does.

Kind (when there is no ``kind`` cell: invoice|credit_note|deposit|payment|fee|penalty|
indemnity)
    A sales journal is one whose code starts with ``V`` (VT, VTE, VEN…). A debit is an
    invoice on any journal (sales, or an OD debit); a credit is a credit note on a sales
    journal and a payment on any other (BQ, BNP, CAI, OD…).

Due date (when the cell is empty)
    Invoices and charges (fee, penalty, indemnity): date + the customer's payment terms;
    other kinds have none. A re-import with an empty due date keeps the stored one.

Customers
    An unknown code creates the customer, named from ``customer_name`` (else the code),
    with the company's default payment terms. An existing customer is never renamed. A
    ``consumer`` cell marks the customer as a consumer (no recovery indemnity) or not; an
    empty one leaves the flag as it is; two different values for one customer refuse the
    file.

Idempotence
    Each line's identity (``Entry.source_key``) is ``csv:`` + the SHA-1 of customer_code,
    journal, date, piece, invoice, reference, account, label, debit and credit, + ``#n``
    for the n-th identical line of the file. Importing a file again adds nothing; a line
    found again whose lettering or (given) due date differs updates that entry.

All or nothing
    Every line is checked before anything is written; any bad line refuses the whole file,
    naming each bad line (header = line 1), field, value and what was expected.

Mapping file (``--mapping FILE``, TOML) for files whose headers are named otherwise::

    separator = ";"          # optional: force the separator instead of sniffing it
    encoding = "cp1252"      # optional: when the file is not UTF-8 (ASCII-compatible only)
    [columns]                # our column name = the file's header name
    customer_code = "Code client"
    customer_name = "Raison sociale"
    date = "Date"
    debit = "Débit"
    credit = "Crédit"

Unmapped columns keep their own names.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from engine.access import require_write
from engine.context import Ctx
from engine.customers import parse_yes_no
from engine.entry_formats import CSV_COLUMNS
from engine.errors import UserError
from engine.i18n import _
from engine.importing import (
    CHUNK,
    DUE_KINDS,
    STATISTICS_AFTER,
    ZERO,
    ImportReport,
    Progress,
    refused,
    unreadable,
    write_entries,
)
from engine.importing import ImportLine as _Line
from engine.parsing import InvalidDate, InvalidNumber, parse_amount, parse_date
from engine.text_limits import field_limit
from engine.turns import IMPORTS, wait_turn
from models.tables import Customer, Entry

__all__ = ["CHUNK", "DUE_KINDS", "STATISTICS_AFTER", "ImportReport", "import_csv", "refused"]

# What an import reads: the columns an export writes, and who is a consumer.
FIELDS = (*CSV_COLUMNS, "consumer")
KINDS = ("invoice", "credit_note", "deposit", "payment", "fee", "penalty", "indemnity")
# Column widths of the tables: checked up front, since PostgreSQL would refuse mid-import.
MAX_LENGTHS = {
    "customer_code": field_limit(Customer, "code"),
    "customer_name": field_limit(Customer, "name"),
    **{
        name: field_limit(Entry, name)
        for name in ("journal", "piece", "invoice", "reference", "account", "label", "lettering")
    },
}
SHOWN = 60  # characters of a value quoted in a message: a 100,000-character cell is cut
SEPARATORS = (";", ",", "\t")
SOURCE = "csv"


@dataclass
class _Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # our name -> file header name
    separator: str | None = None
    encoding: str = "utf-8-sig"


def _norm(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


# --- reading -------------------------------------------------------------------------------


def _load_mapping(path: Path) -> _Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(
            _("Mapping file {path} not found: expected an existing TOML file.").format(
                path=str(path)
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            _("Cannot read mapping file {path}: {reason}.").format(path=str(path), reason=exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            _("Mapping file {path} is not valid TOML: {reason}.").format(path=str(path), reason=exc)
        ) from None
    problems: list[str] = []
    unknown = sorted(set(data) - {"columns", "separator", "encoding"})
    if unknown:
        problems.append(
            _("unknown key(s) {keys}: expected columns, separator or encoding").format(
                keys=", ".join(unknown)
            )
        )
    mapping = _Mapping()
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        problems.append(_("columns must be a table such as [columns]"))
        columns = {}
    for ours, theirs in columns.items():
        if ours not in FIELDS:
            problems.append(
                _("column {name!r}: expected one of {names}").format(
                    name=ours, names=", ".join(FIELDS)
                )
            )
        elif not isinstance(theirs, str) or not theirs.strip():
            problems.append(
                _("column {name}: expected the file's header name as text").format(name=ours)
            )
        else:
            mapping.columns[ours] = theirs
    separator = data.get("separator")
    if separator is not None:
        if not isinstance(separator, str) or len(separator) != 1:
            problems.append(
                _("separator {value!r}: expected one character such as ';'").format(value=separator)
            )
        else:
            mapping.separator = separator
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            if not isinstance(encoding, str):
                raise LookupError
            codecs.lookup(encoding)
            if not _ascii_compatible(encoding):
                problems.append(
                    _(
                        "encoding {value!r} is not supported: expected an encoding that writes "
                        "letters, digits and separators as ASCII does, such as utf-8, cp1252, "
                        "latin-1 or iso-8859-15"
                    ).format(value=encoding)
                )
                raise _Refused
            # utf-8-sig reads files with and without a BOM alike.
            mapping.encoding = "utf-8-sig" if _norm(encoding) in ("utf-8", "utf8") else encoding
        except _Refused:
            pass
        except LookupError:
            problems.append(
                _("encoding {value!r}: expected a name such as utf-8 or cp1252").format(
                    value=encoding
                )
            )
    if problems:
        raise UserError(
            _("Mapping file {path} is invalid: {problems}.").format(
                path=str(path), problems="; ".join(problems)
            )
        )
    return mapping


class _Refused(Exception):
    pass


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes a header line as ASCII does (UTF-16 and UTF-32 do not:
    read byte by byte, their files would look like columns nobody named)."""
    sample = 'customer_code;date,debit\t0123456789\r\n"x"'
    try:
        return sample.encode(encoding) == sample.encode("ascii")
    except (UnicodeError, LookupError, TypeError, AttributeError):
        return False


def _read_text(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc, "CSV") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(
            _(
                "{path} line {line}: not valid {encoding}: expected a UTF-8 file "
                "(or name its encoding in a mapping file)."
            ).format(path=str(path), line=line, encoding=encoding.removesuffix("-sig"))
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise UserError(
            _(
                "{path} line {line}: a NUL character (\\0): expected text without it "
                "(is this a CSV file?)."
            ).format(path=str(path), line=text.count("\n", 0, nul) + 1)
        )
    return text


def _sniff(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _columns(path: Path, header: list[str], mapping: _Mapping) -> dict[str, int]:
    """Our field name -> index in the row; raise when required columns are missing."""
    positions: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(header):
        positions[_norm(name)].append(index)
    wanted = {ours: _norm(mapping.columns.get(ours, ours)) for ours in FIELDS}
    found: dict[str, int] = {}
    duplicated: list[str] = []
    for ours, theirs in wanted.items():
        if theirs in positions:
            if len(positions[theirs]) > 1:
                duplicated.append(theirs)
            found[ours] = positions[theirs][0]

    def named(ours: str) -> str:
        theirs = mapping.columns.get(ours)
        return f"{ours} ({theirs!r})" if theirs else ours

    missing = [named(ours) for ours in ("customer_code", "date") if ours not in found]
    if "debit" not in found and "credit" not in found:
        missing.append(
            _("{debit} or {credit}").format(debit=named("debit"), credit=named("credit"))
        )
    if missing:
        raise UserError(
            _(
                "{path}: missing column(s) {missing}: expected a header line naming at least "
                "customer_code, date and debit or credit, separated by ';' or ','."
            ).format(path=str(path), missing=", ".join(missing))
        )
    if duplicated:
        raise UserError(
            _(
                "{path}: column(s) {names} appear more than once in the header: expected each once."
            ).format(path=str(path), names=", ".join(sorted(set(duplicated))))
        )
    return found


def _rows(path: Path, text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the record's first line, cells), blank lines skipped."""
    # strict: a quote never closed is an error, not a value swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in row):
                yield start, row
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise UserError(
                _(
                    '{path} line {line}: unclosed quote: a value opened with " is never closed: '
                    "expected well-formed CSV."
                ).format(path=str(path), line=last + 1)
            ) from None
        raise UserError(
            _("{path} line {line}: {reason}: expected well-formed CSV.").format(
                path=str(path), line=reader.line_num, reason=exc
            )
        ) from None


# --- checking one line ---------------------------------------------------------------------


def _infer_kind(journal: str, debit: Decimal) -> str:
    if debit > 0:
        return "invoice"
    return "credit_note" if journal.upper().startswith("V") else "payment"


class _Checker:
    """Turns cells into a :class:`_Line`, collecting every problem instead of stopping."""

    def __init__(self, columns: dict[str, int], width: int, separator: str, account: str):
        self.columns = columns
        self.width = width
        self.separator = separator
        self.default_account = account
        self.dates: dict[str, dt.date] = {}  # dates repeat a lot: parse each text once
        self.errors: list[str] = []
        self.bad_lines: set[int] = set()

    def fail(self, line: int, name: str, value: str, expected: str) -> None:
        self.bad_lines.add(line)
        shown = value if len(value) <= SHOWN else value[:SHOWN] + "…"
        self.errors.append(
            _("line {line}: {field} {value!r}: expected {expected}").format(
                line=line, field=name, value=shown, expected=expected
            )
        )

    def date(self, line: int, name: str, value: str) -> dt.date | None:
        if value in self.dates:
            return self.dates[value]
        try:
            self.dates[value] = parse_date(value, name)
        except InvalidDate as exc:
            self.fail(line, name, value, exc.expected)
            return None
        return self.dates[value]

    def amount(self, line: int, name: str, value: str) -> Decimal | None:
        if not value.strip():
            return ZERO
        try:
            return parse_amount(value, name, minimum=Decimal(0))
        except InvalidNumber as exc:
            self.fail(line, name, value, exc.expected)
            return None

    def check(self, line: int, row: list[str]) -> _Line | None:
        errors_before = len(self.errors)
        if len(row) > self.width and any(cell.strip() for cell in row[self.width :]):
            self.bad_lines.add(line)
            self.errors.append(
                _(
                    "line {line}: {count} fields: expected {width} as in the header "
                    "(a {separator!r} inside a value must be quoted)"
                ).format(line=line, count=len(row), width=self.width, separator=self.separator)
            )
            return None
        if len(row) < self.width:
            self.bad_lines.add(line)
            self.errors.append(
                _(
                    "line {line}: {count} cells: expected {width} as in the header "
                    "(a line cut short, or a quote opened in a value and closed further on?)"
                ).format(line=line, count=len(row), width=self.width)
            )
            return None
        cells = {
            name: (row[index].strip() if index < len(row) else "")
            for name, index in self.columns.items()
        }

        def cell(name: str) -> str:
            return cells.get(name, "")

        code = cell("customer_code")
        if not code:
            self.fail(line, "customer_code", code, _("a customer code such as CDUPONT"))
        for name, limit in MAX_LENGTHS.items():
            if len(cell(name)) > limit:
                self.fail(line, name, cell(name), _("at most {n} characters").format(n=limit))
        if not cell("date"):
            self.fail(line, "date", "", _("YYYY-MM-DD or DD/MM/YYYY"))
            date = None
        else:
            date = self.date(line, "date", cell("date"))
        due_date = self.date(line, "due_date", cell("due_date")) if cell("due_date") else None
        debit = self.amount(line, "debit", cell("debit"))
        credit = self.amount(line, "credit", cell("credit"))
        if debit is not None and credit is not None and (debit > 0) == (credit > 0):
            self.bad_lines.add(line)
            self.errors.append(
                _(
                    "line {line}: debit {debit!r} and credit {credit!r}: expected exactly one "
                    "of them above 0"
                ).format(line=line, debit=cell("debit"), credit=cell("credit"))
            )
        kind = cell("kind").lower()
        if kind and kind not in KINDS:
            self.fail(line, "kind", cell("kind"), _("one of {kinds}").format(kinds="|".join(KINDS)))
        consumer = None
        if cell("consumer"):
            try:
                consumer = parse_yes_no(cell("consumer"), "consumer")
            except UserError:
                self.fail(line, "consumer", cell("consumer"), _("yes or no (1/0, oui/non)"))
        if len(self.errors) != errors_before:
            return None
        assert date is not None and debit is not None and credit is not None
        journal = cell("journal")
        return _Line(
            line=line,
            customer_code=code,
            customer_name=cell("customer_name"),
            journal=journal,
            date=date,
            piece=cell("piece"),
            invoice=cell("invoice"),
            reference=cell("reference"),
            account=cell("account") or self.default_account,
            label=cell("label"),
            due_date=due_date,
            debit=debit,
            credit=credit,
            lettering=cell("lettering") or None,
            kind=kind or _infer_kind(journal, debit),
            consumer=consumer,
        )


def _identity(item: _Line) -> str:
    parts = (
        item.customer_code,
        item.journal,
        item.date.isoformat(),
        item.piece,
        item.invoice,
        item.reference,
        item.account,
        item.label,
        str(item.debit),
        str(item.credit),
    )
    # JSON keeps the cells apart unambiguously: ("a;b", "") and ("a", ";b") never collide.
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _parse(ctx: Ctx, path: Path, mapping: _Mapping) -> tuple[list[_Line], int]:
    text = _read_text(path, mapping.encoding).lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = mapping.separator or _sniff(first)
    rows = _rows(path, text, separator)
    header = next((row for _number, row in rows), None)
    if header is None:
        raise UserError(
            _(
                "{path} is empty: expected a header line naming at least customer_code, date "
                "and debit or credit."
            ).format(path=str(path))
        )
    columns = _columns(path, header, mapping)
    checker = _Checker(columns, len(header), separator, ctx.settings.customer_account_prefix)
    lines: list[_Line] = []
    count = 0
    for number, row in rows:
        count += 1
        item = checker.check(number, row)
        if item is not None:
            lines.append(item)
    if checker.errors:
        raise refused(path, len(checker.bad_lines), checker.errors)
    seen: Counter[str] = Counter()
    for item in lines:
        digest = _identity(item)
        seen[digest] += 1
        item.source_key = f"csv:{digest}#{seen[digest]}"
    return lines, count


def _consumers(path: Path, lines: list[_Line]) -> dict[str, bool]:
    """Customer code -> the file's ``consumer`` value; two different values for one
    customer refuse the file, naming the lines."""
    flags: dict[str, tuple[bool, int]] = {}
    errors: list[str] = []
    for item in lines:
        if item.consumer is None:
            continue
        first = flags.setdefault(item.customer_code, (item.consumer, item.line))
        if first[0] != item.consumer:
            errors.append(
                _(
                    "line {line}: consumer {value!r}: expected {first} as on line {first_line} "
                    "for customer {code}"
                ).format(
                    line=item.line,
                    value="yes" if item.consumer else "no",
                    first="yes" if first[0] else "no",
                    first_line=first[1],
                    code=item.customer_code,
                )
            )
    if errors:
        raise refused(path, len(errors), errors)
    return {code: value for code, (value, _line) in flags.items()}


# --- writing -------------------------------------------------------------------------------


def import_csv(
    ctx: Ctx, path: Path, mapping: Path | None = None, progress: Progress | None = None
) -> ImportReport:
    """Import the entries of a CSV file: all of its lines or, when one is bad, none."""
    require_write(ctx.actor)
    path = Path(path)
    session = ctx.session
    lines, count = _parse(ctx, path, _load_mapping(Path(mapping)) if mapping else _Mapping())
    wait_turn(session, IMPORTS)  # another import of these lines ends first (PostgreSQL)
    report = ImportReport(file=str(path), lines=count)
    # Lines on another account (706…: the other side of a double entry) are no debt.
    prefix = ctx.settings.customer_account_prefix
    kept = [item for item in lines if item.account.startswith(prefix)]
    report.skipped_accounts = len(lines) - len(kept)
    lines = kept
    write_entries(ctx, path, lines, report, SOURCE, _consumers(path, lines), progress)
    return report
