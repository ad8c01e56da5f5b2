"""Letters as one A4 PDF (fpdf2): a French business letter for a window envelope.

Layout (millimetres from the page's top left corner, A4 portrait 210 × 297):

- sender block top left (company name bold, address, then phone, e-mail, SIREN, VAT);
- recipient block in the window of a French DL envelope (110 × 220 mm) with the window on
  the right. La Poste's usual window is 100 × 45 mm, 20 mm from the envelope's right edge
  and 15 mm from its bottom: with the sheet folded in three (99 mm) and pushed to the top
  of the envelope, that is the rectangle x 110–200, y 50–95 on the page (``WINDOW``; the
  sheet may slide ~5 mm in the envelope). The address is printed inside a smaller box,
  ``ADDRESS_BOX`` (x 112–196, y 54–91), so that a sheet slid a few millimetres still shows
  it all; long lines wrap and the font shrinks until the address fits, and lines that
  still do not fit at the smallest size are left out (the last one ends with "…"): the
  address never leaves the window;
- notes ("Lettre recommandée avec accusé de réception"), then the place and date on the
  right, then the object line in bold;
- the blocks: paragraphs wrapped to the text width, tables with a bold shaded header row
  repeated at the top of each page the table runs onto, column widths from their content;
- the closing: the signatory on the right, and on the left the EPC QR code of the payment
  (engine.documents.epc) with its caption and the IBAN, BIC and reference in words;
- a footer on every page: the letter's legal line and "Page n/N", counted per letter.

A batch (the day's letters printed at once) is one document; every letter starts on a new
page and its pages are numbered from 1. The footer of a letter's pages is written once the
letter is laid out and its page count known, by going back to each of its pages.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from engine.documents.epc import epc_qr
from engine.documents.letter import Letter, Payment, Table
from engine.documents.plain import clean, clean_line, grouped_iban
from engine.i18n import N_, gettext_in


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP = 20.0, 15.0, 15.0
TEXT_W = PAGE_W - LEFT - RIGHT
BOTTOM = 25.0  # the footer's room: text breaks onto a new page above it
WINDOW = Box(110.0, 50.0, 90.0, 45.0)
ADDRESS_BOX = Box(112.0, 54.0, 84.0, 37.0)
SENDER_W = 85.0  # the sender block stays left of the window
BODY_TOP = WINDOW.bottom + 8.0
QR_SIZE = 28.0
CLOSING_H = QR_SIZE + 16.0  # what the signatory, QR code and caption need together
MIN_COLUMN = 10.0
MAX_COLUMNS = 12  # a wider table is printed as several, one under the other

FONT = "SourceSansPro"
SIZE = 10.0
LINE = 5.0  # line height of the body at SIZE
PT = 25.4 / 72  # one point in millimetres

QR_CAPTION = N_("Pay by transfer: scan this code")
PAGE_OF = N_("Page {page}/{pages}")
REFERENCE = N_("Reference: {reference}")


@functools.cache
def _font_files() -> dict[str, str]:
    import font_source_sans_pro

    files: dict[str, str] = font_source_sans_pro.font_files_ttf
    return {
        "": files["SourceSansPro"],
        "B": files["SourceSansProBold"],
        "I": files["SourceSansProIt"],
    }


@functools.lru_cache(maxsize=512)
def _qr_runs(payment: Payment) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code of ``payment`` as its size in modules and its dark runs (row, first
    column, length): drawn as rectangles, sharp at any zoom and cheap to lay out."""
    matrix = epc_qr(payment).matrix
    runs = []
    for row, line in enumerate(matrix):
        start = None
        for col, dark in enumerate((*line, 0)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return len(matrix), tuple(runs)


class _LetterPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.set_compression(True)
        for style, path in _font_files().items():
            self.add_font(FONT, style, path)
        self.set_font(FONT, size=SIZE)
        self.set_creator("Recouvrement")

    # -- pieces -----------------------------------------------------------------------

    def lines_of(self, text: str, width: float) -> list[str]:
        """``text`` wrapped to ``width`` at the current font: the lines multi_cell would
        print (explicit line breaks kept, long words cut)."""
        if not text:
            return [""]
        result = self.multi_cell(width, 1, text, dry_run=True, output="LINES", padding=0)
        assert isinstance(result, list)
        return [str(line) for line in result] or [""]

    def write_lines(self, text: str, width: float, height: float, align: str = "L") -> None:
        self.multi_cell(
            width, height, text, align=Align.coerce(align), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def sender(self, letter: Letter) -> float:
        self.set_xy(LEFT, TOP)
        self.set_font(FONT, "B", 12)
        self.write_lines(clean_line(letter.sender.name), SENDER_W, 5.5)
        self.set_font(FONT, "", 9.5)
        for line in letter.sender.address:
            self.set_x(LEFT)
            self.write_lines(clean_line(line), SENDER_W, 4.3)
        self.set_font(FONT, "", 8.5)
        if letter.sender_lines:
            self.ln(1.5)
        for line in letter.sender_lines:
            self.set_x(LEFT)
            self.write_lines(clean_line(line), SENDER_W, 3.9)
        return self.y

    def recipient(self, letter: Letter) -> None:
        """The name (bold) and address in ADDRESS_BOX: wrapped, shrunk, never outside."""
        parts = [("B", clean_line(letter.recipient.name))]
        parts += [("", clean_line(line)) for line in letter.recipient.address]
        box = ADDRESS_BOX
        size = 11.0
        while True:
            height = size * PT * 1.2
            lines: list[tuple[str, str]] = []
            for style, text in parts:
                self.set_font(FONT, style, size)
                lines.extend((style, line) for line in self.lines_of(text, box.w))
            if len(lines) * height <= box.h or size <= 7.0:
                break
            size -= 0.5
        fit = int(box.h // height)
        if len(lines) > fit:
            lines = lines[:fit]
            style, last = lines[-1]
            self.set_font(FONT, style, size)
            while last and self.get_string_width(last + "…") > box.w:
                last = last[:-1]
            lines[-1] = (style, last + "…")
        y = box.y
        for style, line in lines:
            self.set_font(FONT, style, size)
            self.set_xy(box.x, y)
            self.cell(box.w, height, line)
            y += height

    def paragraph(self, text: str) -> None:
        self.set_font(FONT, "", SIZE)
        self.set_x(LEFT)
        self.write_lines(clean(text), TEXT_W, LINE)

    def table_block(self, table: Table) -> None:
        count = max([len(table.header), *(len(row) for row in table.rows)], default=0)
        if count == 0:
            return
        for first in range(0, count, MAX_COLUMNS):
            columns = range(first, min(first + MAX_COLUMNS, count))
            self._table_part(table, columns)

    def _table_part(self, table: Table, columns: range) -> None:
        def cells(row: tuple[str, ...]) -> list[str]:
            return [clean_line(row[i]).strip() if i < len(row) else "" for i in columns]

        header = cells(table.header)
        rows = [cells(row) for row in table.rows]
        align = [table.align[i] if i < len(table.align) else "L" for i in columns]
        pad = 2.0
        self.set_font(FONT, "B", 9.0)
        natural = [self.get_string_width(text) + 2 * pad for text in header]
        self.set_font(FONT, "", 9.0)
        for row in rows:
            for i, text in enumerate(row):
                natural[i] = max(natural[i], self.get_string_width(text) + 2 * pad)
        widths = _fit_widths(natural, TEXT_W)
        heading = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
        with super().table(
            width=sum(widths),
            col_widths=tuple(widths),
            align="LEFT",
            text_align=tuple("RIGHT" if a == "R" else "LEFT" for a in align),
            headings_style=heading,
            line_height=4.6,
            padding=(0.8, pad),
            borders_layout="HORIZONTAL_LINES",
            cell_fill_mode=TableCellFillMode.NONE,
            first_row_as_headings=True,
            repeat_headings=1,
        ) as grid:
            for row in [header, *rows]:
                line = grid.row()
                for text in row:
                    line.cell(text)
        self.ln(2)

    def closing(self, letter: Letter) -> None:
        needed = CLOSING_H if letter.payment is not None else 15.0
        if self.will_page_break(needed + 6):
            self.add_page()
        else:
            self.ln(6)
        top = self.y
        if letter.signatory.strip():
            self.set_font(FONT, "", SIZE)
            self.set_xy(WINDOW.x, top)
            self.multi_cell(PAGE_W - RIGHT - WINDOW.x, LINE, clean(letter.signatory))
        if letter.payment is not None:
            self.qr(letter.payment, letter.language, top)
            self.set_y(max(self.y, top + CLOSING_H))

    def qr(self, payment: Payment, language: str, top: float) -> None:
        modules, runs = _qr_runs(payment)
        unit = QR_SIZE / modules
        self.set_fill_color(0, 0, 0)
        for row, col, length in runs:
            self.rect(LEFT + col * unit, top + row * unit, length * unit, unit, style="F")
        x = LEFT + QR_SIZE + 4
        self.set_xy(x, top + 1)
        self.set_font(FONT, "B", 9)
        width = WINDOW.x - x - 4
        self.multi_cell(width, 4.2, gettext_in(language, QR_CAPTION), new_x=XPos.LEFT)
        self.set_font(FONT, "", 8.5)
        details = [
            "IBAN " + grouped_iban(payment.iban),
            "BIC " + clean_line(payment.bic),
            gettext_in(language, REFERENCE).format(reference=clean_line(payment.reference)),
        ]
        for line in details:
            self.set_x(x)
            self.multi_cell(width, 3.9, line, new_x=XPos.LEFT)

    def footers(self, letter: Letter, first: int, last: int) -> None:
        """The footer of pages ``first``…``last``: the legal line and Page n/N."""
        current = self.page
        self.set_auto_page_break(False)
        footer = clean_line(letter.footer)
        total = last - first + 1
        label = gettext_in(letter.language, PAGE_OF)
        for page in range(first, last + 1):
            self.page = page
            # set_font writes its font only when it changes; a page's own stream must say
            # which font its footer uses, so go through another size first.
            self.set_font(FONT, "I", 7.9)
            self.set_font(FONT, "", 7.5)
            if footer:
                self.set_xy(LEFT, PAGE_H - 17)
                self.multi_cell(TEXT_W, 3.4, footer, align=Align.C, max_line_height=3.4)
            self.set_xy(LEFT, PAGE_H - 10)
            self.cell(TEXT_W, 4, label.format(page=page - first + 1, pages=total), align=Align.R)
        self.page = current
        self.set_auto_page_break(True, margin=BOTTOM)

    def letter(self, letter: Letter) -> None:
        self.add_page()
        first = self.page
        sender_bottom = self.sender(letter)
        self.recipient(letter)
        self.set_xy(LEFT, max(BODY_TOP, sender_bottom + 6))
        self.set_font(FONT, "B", SIZE)
        for note in letter.notes:
            self.set_x(LEFT)
            self.write_lines(clean_line(note), TEXT_W, LINE)
        if letter.place_date.strip():
            self.set_font(FONT, "", SIZE)
            self.set_x(LEFT)
            self.write_lines(clean_line(letter.place_date), TEXT_W, LINE, align="R")
        self.ln(LINE)
        if letter.subject.strip():
            self.set_font(FONT, "B", SIZE)
            self.set_x(LEFT)
            self.write_lines(clean_line(letter.subject), TEXT_W, LINE)
            self.ln(LINE)
        for block in letter.blocks:
            if isinstance(block, Table):
                self.table_block(block)
            elif block.strip():
                self.paragraph(block)
                self.ln(LINE * 0.6)
        self.closing(letter)
        self.footers(letter, first, self.page)


def _fit_widths(natural: list[float], available: float) -> list[float]:
    """Column widths: what the content asks when it fits; else the widest columns give
    way until it does (none under MIN_COLUMN, or an equal share when even that is too
    much); a cell then wraps inside its column."""
    floor = min(MIN_COLUMN, available / len(natural))
    widths = [max(width, floor) for width in natural]
    if sum(widths) <= available:
        return widths
    # Cap every column at a common ceiling, found by bisection, so the narrow ones keep
    # their width and the wide ones share what is left.
    low, high = floor, max(widths)
    for _step in range(40):
        middle = (low + high) / 2
        if sum(min(width, middle) for width in widths) > available:
            high = middle
        else:
            low = middle
    return [min(width, low) for width in widths]


def letters_pdf(letters: Sequence[Letter]) -> bytes:
    """One PDF of ``letters``, each from a new page, its pages numbered from 1.

    A payment that cannot be encoded in a QR code raises engine.errors.UserError
    (engine.documents.epc)."""
    pdf = _LetterPDF()
    for letter in letters:
        pdf.letter(letter)
    if not letters:
        pdf.add_page()
    return bytes(pdf.output())
