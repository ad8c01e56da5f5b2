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
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import TTFFont

from engine.documents.epc import epc_payload, epc_qr
from engine.documents.letter import Letter, Payment, Table
from engine.documents.plain import clean, clean_line, grouped_iban, held_spaces
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
TABLE_SIZE = 9.0
TABLE_LINE = 4.4
CELL_PAD = 2.0  # left and right of a cell's text
CELL_VPAD = 0.8  # above and below
MAX_COLUMNS = 12  # a wider table is printed as several, one under the other

FONT = "SourceSansPro"
SIZE = 10.0
LINE = 5.0  # line height of the body at SIZE
FOOTER_SIZE = 7.5
PT = 25.4 / 72  # one point in millimetres

_WIDTHS: dict[tuple[str, float, str], float] = {}  # (style, size, text) -> width in mm
_WIDTHS_MAX = 200_000

QR_CAPTION = N_("Pay by transfer: scan this code")
PAGE_OF = N_("Page {page}/{pages}")
REFERENCE = N_("Reference: {reference}")


CREATOR = "Recouvrement"
FONT_NAMES = {"": "SourceSansPro", "B": "SourceSansProBold"}
# OpenType layout tables: fpdf2 does not use them without text shaping, drops them from
# every PDF it writes, but reads and subsets them for each document first (~15 ms a font).
LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "kern", "hdmx", "FFTM"]


@functools.cache
def _font_files() -> dict[str, str]:
    """The font file of each style: Source Sans Pro from the ``font_source_sans_pro``
    package, without its layout tables (every glyph kept), prepared once and kept in the
    user's cache folder; the package's own file when that folder cannot be written."""
    import font_source_sans_pro

    files: dict[str, str] = font_source_sans_pro.font_files_ttf
    return {style: _prepared(files[name]) for style, name in FONT_NAMES.items()}


def _prepared(source: str) -> str:
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    import fontTools
    import platformdirs
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = Path(source)
    stamp = hashlib.sha256(
        f"{path.name}:{path.stat().st_size}:{fontTools.version}:{LAYOUT_TABLES}:nohint".encode()
    ).hexdigest()[:12]
    target = Path(platformdirs.user_cache_dir("recouvrement")) / "fonts"
    target = target / f"{path.stem}-{stamp}.ttf"
    if target.is_file():
        return str(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(source, recalcTimestamp=False)
        # Every character kept, without what fpdf2 never uses: the layout tables and the
        # hinting (instructions for screens at small sizes; a PDF viewer does without).
        options = subset.Options(
            layout_features=[], hinting=False, glyph_names=True, notdef_outline=True
        )
        options.name_IDs = ["*"]
        options.drop_tables += LAYOUT_TABLES
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=font.getBestCmap().keys())
        subsetter.subset(font)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            font.save(file)
        os.replace(temporary, target)
    except OSError:
        return source
    return str(target)


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
        self.set_creator(CREATOR)
        self.codes = _CodesAhead([])
        # A document's fonts are subset when it is written; recalculating every glyph's
        # bounding box then (fontTools' default) recompiles the glyphs: a third of a
        # one-letter PDF's time, for boxes the subset font does not need recomputed.
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False

    # -- pieces -----------------------------------------------------------------------

    # -- measuring and wrapping ---------------------------------------------------------
    # fpdf2's multi_cell measures every character of every line it tries; a day's batch
    # repeats the same words thousands of times, so words are measured once (per font,
    # style and size) and lines are cut here, then printed with cell().

    def width_of(self, text: str) -> float:
        key = (self.font_style, self.font_size_pt, text)
        width = _WIDTHS.get(key)
        if width is None:
            if len(_WIDTHS) > _WIDTHS_MAX:
                _WIDTHS.clear()
            width = _WIDTHS[key] = self.get_string_width(text)
        return width

    def lines_of(self, text: str, width: float) -> list[str]:
        """``text`` wrapped to ``width`` at the current font: explicit line breaks kept,
        lines broken at spaces (a no-break space holds), a word wider than the line cut."""
        lines: list[str] = []
        space = self.width_of(" ")
        for paragraph in held_spaces(text).split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                size = self.width_of(word)
                if line and used + space + size <= width:
                    line.append(word)
                    used += space + size
                    continue
                if line:
                    lines.append(" ".join(line))
                while size > width and len(word) > 1:
                    cut = self._cut(word, width)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self.width_of(word)
                line, used = [word], size
            lines.append(" ".join(line))
        return lines

    def _cut(self, word: str, width: float) -> int:
        """How many characters of ``word`` fit in ``width`` (at least one)."""
        low, high = 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(word[:middle]) <= width:
                low = middle
            else:
                high = middle - 1
        return low

    def write_lines(self, text: str, width: float, height: float, align: str = "L") -> None:
        """``text`` wrapped to ``width`` from the current position, one cell a line;
        a line that does not fit goes to the next page (a letter's next page)."""
        x = self.x
        for line in self.lines_of(text, width):
            if self.will_page_break(height):
                self.add_page()
            self.set_x(x)
            self.cell(width, height, line, align=Align.coerce(align))
            self.ln(height)
        self.set_x(x)

    def sender(self, letter: Letter) -> float:
        """The company's block, top left, left of the window; it ends above the body
        (what would run lower is left out, the last line printed ending with "…")."""
        parts = [("B", 12.0, 5.5, letter.sender.name)]
        parts += [("", 9.5, 4.3, line) for line in letter.sender.address]
        parts += [("", 8.5, 3.9, line) for line in letter.sender_lines]
        placed: list[tuple[str, float, float, float, str]] = []  # style, size, height, y, text
        y = TOP
        for index, (style, size, height, text) in enumerate(parts):
            if index == 1 + len(letter.sender.address):
                y += 1.5  # a gap before the phone, e-mail and numbers
            self.set_font(FONT, style, size)
            for line in self.lines_of(clean_line(text), SENDER_W):
                placed.append((style, size, height, y, line))
                y += height
        kept = [
            item
            for item, bottom in zip(placed, [*(p[3] for p in placed[1:]), y], strict=True)
            if bottom <= WINDOW.bottom
        ]
        for number, (style, size, height, top, line) in enumerate(kept):
            self.set_font(FONT, style, size)
            if number == len(kept) - 1 and len(kept) < len(placed):
                line = self._ellipsis(line, SENDER_W)
            self.set_xy(LEFT, top)
            self.cell(SENDER_W, height, line)
        return min(y, WINDOW.bottom)

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
            lines[-1] = (style, self._ellipsis(last, box.w))
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
        right = [(table.align[i] if i < len(table.align) else "L") == "R" for i in columns]
        self.set_font(FONT, "B", TABLE_SIZE)
        natural = [self.width_of(text) + 2 * CELL_PAD for text in header]
        self.set_font(FONT, "", TABLE_SIZE)
        for row in rows:
            for i, text in enumerate(row):
                natural[i] = max(natural[i], self.width_of(text) + 2 * CELL_PAD)
        widths = _fit_widths(natural, TEXT_W)
        self.set_draw_color(160, 160, 160)
        self.set_line_width(0.2)
        self._table_row(header, widths, right, heading=True)
        for row in rows:
            self._table_row(row, widths, right, heading=False, header=header)
        self.set_draw_color(0, 0, 0)
        self.set_x(LEFT)
        self.ln(2)

    def _table_row(
        self,
        row: list[str],
        widths: list[float],
        right: list[bool],
        *,
        heading: bool,
        header: list[str] | None = None,
    ) -> None:
        """One row of a table; before a row that does not fit on the page, a new page
        and the header row again. A row taller than a page is cut between its lines."""
        self.set_font(FONT, "B" if heading else "", TABLE_SIZE)
        wrapped = [
            self.lines_of(text, max(width - 2 * CELL_PAD, 1.0))
            for text, width in zip(row, widths, strict=True)
        ]
        count = max(len(lines) for lines in wrapped)
        height = count * TABLE_LINE + 2 * CELL_VPAD
        need = height + (TABLE_LINE + 2 * CELL_VPAD if heading else 0)  # a header's first row
        body = self.h - self.t_margin - self.b_margin
        if self.will_page_break(min(need, body)):
            self.add_page()
            if header is not None:
                self._table_row(header, widths, right, heading=True)
                self.set_font(FONT, "", TABLE_SIZE)
        top = self.y
        if heading:
            self.set_fill_color(225, 225, 225)
            self.rect(LEFT, top, sum(widths), min(height, body), style="F")
            self.set_fill_color(0, 0, 0)
        y = top + CELL_VPAD
        for index in range(count):
            if y + TABLE_LINE > self.page_break_trigger:  # a row taller than a page
                self.add_page()
                y = self.y
            x = LEFT
            for lines, width, is_right in zip(wrapped, widths, right, strict=True):
                if index < len(lines) and lines[index]:
                    self.set_xy(x + CELL_PAD, y)
                    self.cell(
                        width - 2 * CELL_PAD,
                        TABLE_LINE,
                        lines[index],
                        align=Align.R if is_right else Align.L,
                    )
                x += width
            y += TABLE_LINE
        bottom = y + CELL_VPAD
        self.line(LEFT, bottom, LEFT + sum(widths), bottom)
        self.set_xy(LEFT, bottom)

    def closing(self, letter: Letter) -> None:
        """The QR code and its caption on the left, the signatory on the right, kept
        together on one page."""
        needed = CLOSING_H if letter.payment is not None else 15.0
        if self.will_page_break(needed + 6):
            self.add_page()
        else:
            self.ln(6)
        top = self.y
        bottom = top
        if letter.payment is not None:
            self.qr(letter.payment, letter.language, top)
            bottom = max(self.y, top + QR_SIZE + 2)
        if letter.signatory.strip():
            self.set_font(FONT, "", SIZE)
            self.set_xy(WINDOW.x, top)
            page = self.page
            self.write_lines(clean(letter.signatory), PAGE_W - RIGHT - WINDOW.x, LINE)
            # A signatory running onto the next page ends the letter there.
            bottom = max(bottom, self.y) if self.page == page else self.y
        self.set_xy(LEFT, bottom)

    def qr(self, payment: Payment, language: str, top: float) -> None:
        modules, runs = self.codes.runs(payment)
        unit = QR_SIZE / modules
        self.set_fill_color(0, 0, 0)
        for row, col, length in runs:
            self.rect(LEFT + col * unit, top + row * unit, length * unit, unit, style="F")
        x = LEFT + QR_SIZE + 4
        width = WINDOW.x - x - 4
        self.set_xy(x, top + 1)
        self.set_font(FONT, "B", 9)
        self.write_lines(gettext_in(language, QR_CAPTION), width, 4.2)
        self.set_font(FONT, "", 8.5)
        details = [
            "IBAN " + grouped_iban(payment.iban),
            "BIC " + clean_line(payment.bic),
            gettext_in(language, REFERENCE).format(reference=clean_line(payment.reference)),
        ]
        for line in details:
            self.write_lines(line, width, 3.9)

    def footers(self, letter: Letter, first: int, last: int) -> None:
        """The footer of pages ``first``…``last``: the legal line (two lines at most)
        and Page n/N."""
        current = self.page
        self.set_auto_page_break(False)
        total = last - first + 1
        label = gettext_in(letter.language, PAGE_OF)
        self.set_font(FONT, "", FOOTER_SIZE)
        footer = self.lines_of(clean_line(letter.footer).strip(), TEXT_W)
        if len(footer) > 2:
            footer = [footer[0], self._ellipsis(footer[1], TEXT_W)]
        for page in range(first, last + 1):
            self.page = page
            # set_font writes its font only when it changes; each page's own stream must
            # say which font its footer uses, so go through another style first.
            self.set_font(FONT, "B", FOOTER_SIZE)
            self.set_font(FONT, "", FOOTER_SIZE)
            y = PAGE_H - 17
            for line in footer:
                if line:
                    self.set_xy(LEFT, y)
                    self.cell(TEXT_W, 3.4, line, align=Align.C)
                y += 3.4
            self.set_xy(LEFT, PAGE_H - 10)
            self.cell(TEXT_W, 4, label.format(page=page - first + 1, pages=total), align=Align.R)
        self.page = current
        self.set_auto_page_break(True, margin=BOTTOM)

    def _ellipsis(self, line: str, width: float) -> str:
        while line and self.get_string_width(line + "…") > width:
            line = line[:-1]
        return line + "…"

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


# A code's mask is chosen by trying the eight the QR standard describes (segno, ~6 ms a
# code: nearly half of a letter's layout). A batch this large has its codes made in a
# second process while this one lays out the text.
AHEAD_FROM = 64


class _CodesAhead:
    """The QR codes of a batch's payments, made in order by a second process; a payment
    asked for before its turn (or when no process could be started) is made here."""

    def __init__(self, payments: list[Payment]) -> None:
        self.made: dict[Payment, tuple[int, tuple[tuple[int, int, int], ...]]] = {}
        self.coming: Iterator[tuple[int, tuple[tuple[int, int, int], ...]]] | None = None
        self.waiting = list(payments)
        self.pool: Any = None
        if len(payments) < AHEAD_FROM:
            return
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self.coming = self.pool.map(_qr_runs, payments, chunksize=16)
        except (OSError, ValueError, RuntimeError):
            self.close()

    def runs(self, payment: Payment) -> tuple[int, tuple[tuple[int, int, int], ...]]:
        while payment not in self.made and self.coming is not None and self.waiting:
            try:
                self.made[self.waiting.pop(0)] = next(self.coming)
            except Exception:  # the process died: the rest are made here
                self.close()
        return self.made.get(payment) or _qr_runs(payment)

    def close(self) -> None:
        self.coming = None
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def _laid_out(letters: Sequence[Letter]) -> tuple[bytes, list[range]]:
    """One PDF of ``letters`` and the pages (0-based) of each."""
    payments = []
    for letter in letters:
        if letter.payment is not None:
            epc_payload(letter.payment)  # checks it; the code itself is made as it is drawn
            payments.append(letter.payment)
    pdf = _LetterPDF()
    pdf.codes = _CodesAhead(list(dict.fromkeys(payments)))
    pages = []
    try:
        for letter in letters:
            first = pdf.page
            pdf.letter(letter)
            pages.append(range(first, pdf.page))
    finally:
        pdf.codes.close()
    if not letters:
        pdf.add_page()
    return bytes(pdf.output()), pages


def letters_pdf(letters: Sequence[Letter]) -> bytes:
    """One PDF of ``letters``, each from a new page, its pages numbered from 1.

    A payment that cannot be encoded in a QR code raises engine.errors.UserError
    (engine.documents.epc), before anything is laid out."""
    return _laid_out(letters)[0]


def each_letter_pdf(letters: Sequence[Letter]) -> list[bytes]:
    """A PDF of its own for each of ``letters`` (a day's e-mails, each letter kept with its
    dossier), as ``letters_pdf`` of each alone would give, but laid out as one document
    and cut into one per letter: a document embeds its fonts, and subsetting them is most
    of the cost of a one-letter PDF (about 25 of 35 ms here), so a batch pays it once and
    each letter's cut costs about 1 ms."""
    if len(letters) < 2:
        return [letters_pdf(letters)] if letters else []
    from pypdf import PdfReader, PdfWriter

    whole, pages = _laid_out(letters)
    reader = PdfReader(io.BytesIO(whole))
    result = []
    for letter_pages in pages:
        writer = PdfWriter()
        for index in letter_pages:
            writer.add_page(reader.pages[index])
        writer.add_metadata({"/Creator": CREATOR})
        out = io.BytesIO()
        writer.write(out)
        result.append(out.getvalue())
    return result
