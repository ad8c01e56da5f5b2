"""A letter ready to lay out, and the markup that turns a rendered template into one.

A template renders to text. Its first line is the object line (``Objet : …``); the rest
is the body: paragraphs separated by blank lines, and tables written as lines that start
with ``|`` (cells separated by ``|``; the first line is the header; a cell whose text
ends with ``>`` is right-aligned — amounts — and the ``>`` is dropped). Everything else on
a letter (sender, recipient, place and date, signatory, payment QR code) comes from the
company settings and the recipient, not from the template, so that a user's template can
not move the address out of the envelope's window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

RIGHT_MARK = ">"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # "L" or "R" per column: amounts and counts are right-aligned.
    align: tuple[str, ...]


Block = str | Table  # a paragraph (lines joined by newlines) or a table


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...] = ()  # postal address lines, without the name


@dataclass(frozen=True)
class Payment:
    """What an EPC (SEPA credit transfer) QR code carries."""

    beneficiary: str
    iban: str
    bic: str
    amount: Decimal
    reference: str  # the dossier number (or the customer code on a reminder)


@dataclass(frozen=True)
class Letter:
    language: str  # "fr" | "en"
    sender: Party  # the company
    sender_lines: tuple[str, ...]  # phone, e-mail, SIREN/SIRET, VAT number
    recipient: Party
    place_date: str  # "Paris, le 30 novembre 2026"
    subject: str
    blocks: tuple[Block, ...]
    signatory: str = ""
    footer: str = ""  # legal line at the bottom of each page
    payment: Payment | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. "Lettre recommandée avec AR"


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def _table(lines: list[str]) -> Table:
    rows = [_cells(line) for line in lines]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    align = ["L"] * width
    for row in rows:
        for index, cell in enumerate(row):
            if cell.endswith(RIGHT_MARK):
                align[index] = "R"
                row[index] = cell[: -len(RIGHT_MARK)].rstrip()
    header, *body = rows
    return Table(tuple(header), tuple(tuple(row) for row in body), tuple(align))


def parse_body(text: str) -> tuple[str, tuple[Block, ...]]:
    """The object line and the blocks of a rendered template (see the module's doc)."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    subject = lines.pop(0).strip() if lines else ""
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("\n".join(paragraph))
            paragraph.clear()
        if table:
            blocks.append(_table(table))
            table.clear()

    for line in lines:
        if line.lstrip().startswith("|"):
            if paragraph:
                flush()
            table.append(line)
        elif not line.strip():
            flush()
        else:
            if table:
                flush()
            paragraph.append(line.rstrip())
    flush()
    return subject, tuple(blocks)
