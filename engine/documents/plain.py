"""A :class:`Letter` as plain text: the e-mail's body and the TUI's preview over SSH.

It reads like the PDF (engine.documents.pdf), from top to bottom: the sender, the recipient
on the right (where the envelope's window is), the notes, the place and date on the right,
the object line, the paragraphs wrapped, the tables in aligned columns (amounts on the
right), the signatory, the payment details (IBAN, BIC, reference, amount) where the PDF
has its QR code, and the footer.

Data is hostile (names, addresses, labels come from other people's files): every control
character, bidi control and line separator is taken out (tabs become spaces), so that the
text is inert in a terminal and in a mail reader. A pure function: no terminal escapes.
"""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal

from babel.numbers import format_currency

from engine.documents.letter import Letter, Payment, Table
from engine.i18n import N_, gettext_in

# What engine.inert escapes (C0 but tab and newline, DEL, C1, bidi controls, line and
# paragraph separators), plus lone surrogates, which no encoder writes.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# French typography: no line break before : ; ! ? » nor after «.
_HELD_SPACE = re.compile(r" (?=[:;!?»])|(?<=«) ")

PAY_LINE = N_("Payment by transfer: IBAN {iban}, BIC {bic}, reference {reference}, amount {amount}")
COLUMN_GAP = 2


def clean(text: str) -> str:
    """``text`` without control characters; tabs as spaces; line breaks (``\\n``) kept."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return _UNSAFE.sub("", text)


def clean_line(text: str) -> str:
    """One line: :func:`clean`, line breaks as spaces."""
    return clean(text).replace("\n", " ")


def held_spaces(text: str) -> str:
    """``text`` with the spaces before ``: ; ! ? »`` and after ``«`` made no-break ones,
    so that a wrapped line never starts with ``:`` nor ends with ``«``."""
    return _HELD_SPACE.sub("\u00a0", text) if " " in text else text


def format_amount(amount: Decimal, language: str) -> str:
    """``amount`` in euros the way the letter's language writes it (``1 234,50 €``)."""
    return format_currency(amount, "EUR", locale="fr_FR" if language == "fr" else "en_GB")


def grouped_iban(iban: str) -> str:
    """An IBAN as it is printed: groups of four characters (``FR76 3000 6000 …``)."""
    compact = clean_line(iban).replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def payment_line(payment: Payment, language: str) -> str:
    """The payment's details in one sentence: what the QR code carries, for a reader."""
    return gettext_in(language, PAY_LINE).format(
        iban=grouped_iban(payment.iban),
        bic=clean_line(payment.bic) or "-",
        reference=clean_line(payment.reference) or "-",
        amount=format_amount(payment.amount, language),
    )


def _wrap(text: str, width: int) -> list[str]:
    """Each line of ``text`` wrapped to ``width``; an empty line stays one."""
    lines: list[str] = []
    for line in held_spaces(clean(text)).split("\n"):
        wrapped = textwrap.wrap(line, max(width, 1), break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return lines


def column_widths(natural: list[int], available: int) -> list[int]:
    """Widths of columns whose content asks ``natural``, within ``available``: the widest
    column gives a character until they fit (never under 1)."""
    widths = [max(width, 1) for width in natural]
    while sum(widths) > available and max(widths) > 1:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    return widths


def table_lines(table: Table, width: int) -> list[str]:
    """``table`` as text: a header, a rule, the rows; right-aligned columns per its align."""
    count = max([len(table.header), *(len(row) for row in table.rows)], default=0)
    if count == 0:
        return []

    def full(row: tuple[str, ...]) -> list[str]:
        cells = [held_spaces(clean_line(cell).strip()) for cell in row]
        return cells + [""] * (count - len(row))

    header = full(table.header)
    rows = [full(row) for row in table.rows]
    align = list(table.align[:count]) + ["L"] * (count - len(table.align))
    natural = [max(len(row[i]) for row in [header, *rows]) for i in range(count)]
    widths = column_widths(natural, width - COLUMN_GAP * (count - 1))

    def render(row: list[str]) -> list[str]:
        cells = [
            textwrap.wrap(cell, widths[i], break_on_hyphens=False) or [""]
            for i, cell in enumerate(row)
        ]
        height = max(len(lines) for lines in cells)
        out = []
        for index in range(height):
            parts = []
            for column, lines in enumerate(cells):
                text = lines[index] if index < len(lines) else ""
                if align[column] == "R":
                    parts.append(text.rjust(widths[column]))
                else:
                    parts.append(text.ljust(widths[column]))
            out.append((" " * COLUMN_GAP).join(parts).rstrip())
        return out

    lines = render(header)
    lines.append((" " * COLUMN_GAP).join("-" * w for w in widths))
    for row in rows:
        lines.extend(render(row))
    return lines


def letter_text(letter: Letter, width: int = 78) -> str:
    """``letter`` as plain text ``width`` characters wide (see the module's doc)."""
    width = max(width, 20)
    indent = width * 11 // 21  # the window's left edge, 110 mm of the page's 210
    right = width - indent
    out: list[str] = []

    def block(lines: list[str], at: int = 0) -> None:
        out.extend((" " * at + line).rstrip() for line in lines)

    def gap() -> None:
        if out and out[-1] != "":
            out.append("")

    block(_wrap(letter.sender.name, width))
    for line in (*letter.sender.address, *letter.sender_lines):
        block(_wrap(line, width))
    gap()
    recipient = [letter.recipient.name, *letter.recipient.address]
    for line in recipient:
        block(_wrap(line, right), indent)
    gap()
    for note in letter.notes:
        block(_wrap(note, width))
    if letter.place_date.strip():
        block([line.rjust(width) for line in _wrap(letter.place_date, width)])
    gap()
    if letter.subject.strip():
        block(_wrap(letter.subject, width))
        gap()
    for item in letter.blocks:
        lines = table_lines(item, width) if isinstance(item, Table) else _wrap(item, width)
        if any(line.strip() for line in lines):
            block(lines)
            gap()
    if letter.signatory.strip():
        block(_wrap(letter.signatory, right), indent)
        gap()
    if letter.payment is not None:
        block(_wrap(payment_line(letter.payment, letter.language), width))
        gap()
    if letter.footer.strip():
        block(["-" * width])
        block(_wrap(letter.footer, width))
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
