"""Letters as PDF (engine.documents.pdf) and as plain text (engine.documents.plain)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from engine.documents.epc import epc_payload
from engine.documents.letter import Letter, Party, Payment, Table
from engine.documents.pdf import (
    AHEAD_FROM,
    FONT,
    PAGE_H,
    WINDOW,
    _CodesAhead,
    _font_files,
    _qr_runs,
    each_letter_pdf,
    letters_pdf,
)
from engine.documents.plain import letter_text
from engine.errors import UserError

PT = 25.4 / 72
PAYMENT = Payment(
    "Ma Société SAS", "FR7630006000011234567890189", "AGRIFRPP", Decimal("1234.56"), "D000123"
)
HEADER = ("Facture", "Échéance", "Montant")


def letter(rows: int = 3, **changes) -> Letter:
    values = dict(
        language="fr",
        sender=Party("Ma Société SAS", ("12 rue de l’Église", "75001 Paris")),
        sender_lines=("Tél. 01 23 45 67 89", "SIREN 123 456 789", "TVA FR12123456789"),
        recipient=Party(
            "Œuvres & Cœurs SARL", ("Service comptabilité", "3 avenue des Œillets", "69002 Lyon")
        ),
        place_date="Paris, le 30 novembre 2026",
        subject="Objet : Relance – factures impayées",
        blocks=(
            "Madame, Monsieur,",
            "Sauf erreur de notre part, nous n’avons pas reçu le règlement des factures "
            "ci-dessous, d’un montant de 1\u00a0234,56\u00a0€ « à ce jour ».",
            Table(
                HEADER,
                tuple((f"F{i:05d}", "15/09/2026", f"{100 + i},50 €") for i in range(rows)),
                ("L", "L", "R"),
            ),
            "Veuillez agréer nos salutations distinguées.",
        ),
        signatory="Jeanne Martin, service recouvrement",
        footer="Ma Société SAS – RCS Paris 123 456 789",
        payment=PAYMENT,
        notes=("Lettre recommandée avec accusé de réception",),
    )
    values.update(changes)
    return Letter(**values)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Extracted text with every kind of space as one plain space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_one_letter_prints_its_texts():
    [text] = pages(letters_pdf([letter()]))
    flat = squash(text)
    for expected in (
        "Ma Société SAS",
        "12 rue de l’Église",
        "SIREN 123 456 789",
        "Œuvres & Cœurs SARL",
        "Lettre recommandée avec accusé de réception",
        "Paris, le 30 novembre 2026",
        "Objet : Relance – factures impayées",
        "n’avons",
        "1 234,56 €",
        "« à ce jour »",
        "F00002",
        "102,50 €",
        "Jeanne Martin",
        "Payer par virement : scannez ce code",
        "FR76 3000 6000 0112 3456 7890 189",
        "RCS Paris",
        "Page 1/1",
    ):
        assert expected in flat, expected


def test_english_caption():
    flat = squash(pages(letters_pdf([letter(language="en")]))[0])
    assert "Pay by transfer: scan this code" in flat


def test_no_payment_no_caption():
    flat = squash(pages(letters_pdf([letter(payment=None)]))[0])
    assert "scannez" not in flat
    assert "IBAN" not in flat


def test_long_letter_counts_its_pages_and_repeats_the_table_header():
    texts = pages(letters_pdf([letter(rows=40)]))
    assert len(texts) == 2
    assert "Page 1/2" in texts[0] and "Page 2/2" in texts[1]
    for text in texts:
        assert squash(" ".join(HEADER)) in squash(text)
    assert "F00039" in texts[1]


def test_each_letter_of_a_batch_counts_from_one():
    texts = pages(letters_pdf([letter(rows=40), letter(), letter(rows=40)]))
    labels = [re.findall(r"Page \d+/\d+", text) for text in texts]
    assert labels == [["Page 1/2"], ["Page 2/2"], ["Page 1/1"], ["Page 1/2"], ["Page 2/2"]]
    # Every letter starts on its own page with its sender.
    assert [text.startswith("Ma Société SAS") for text in texts] == [True, False, True, True, False]


def test_each_letter_of_a_batch_gets_a_pdf_of_its_own():
    batch = [
        letter(rows=40),
        letter(recipient=Party("Dupont Frères", ("1 rue A", "75001 Paris"))),
        letter(rows=40, subject="Objet : troisième"),
    ]
    alone = [pages(letters_pdf([one])) for one in batch]
    cut = [pages(pdf) for pdf in each_letter_pdf(batch)]
    assert [len(texts) for texts in cut] == [2, 1, 2]
    assert cut == alone
    assert each_letter_pdf([]) == []
    assert pages(each_letter_pdf([letter()])[0]) == pages(letters_pdf([letter()]))


def positions(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float, bool]]:
    """(text, x mm, baseline y mm from the top, font size pt, bold) of each piece of
    text."""
    found: list[tuple[str, float, float, float, bool]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = tm[3] * cm[3] or 1
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            found.append((text.strip(), tm[4] * PT, PAGE_H - tm[5] * PT, size * scale, bold))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def width_mm(text: str, size: float, bold: bool) -> float:
    pdf = FPDF()
    pdf.add_font(FONT, "B" if bold else "", _font_files()["B" if bold else ""])
    pdf.set_font(FONT, "B" if bold else "", size)
    return pdf.get_string_width(text)


@pytest.mark.parametrize(
    "recipient",
    [
        Party("Œuvres & Cœurs SARL", ("3 avenue des Œillets", "69002 Lyon")),
        Party(
            "Société Anonyme des Établissements Très Longuement Nommés et Associés Réunis",
            (
                "Bâtiment C, escalier 4, troisième étage, porte de gauche après l’ascenseur",
                "Zone industrielle des Quatre-Chemins-de-la-Croix-Blanche",
                "Lieu-dit Lesmontagnesdel’Arrière-paysquinefinissentjamaisdutout",
                "BP 12345",
                "69002 Lyon Cedex 02",
                "FRANCE",
            ),
        ),
    ],
)
def test_the_recipient_lies_inside_the_window(recipient):
    pdf = letters_pdf([letter(recipient=recipient)])
    lines = [recipient.name, *recipient.address]
    inside = [
        (text, x, y, size, bold)
        for text, x, y, size, bold in positions(pdf)
        if WINDOW.x - 1 <= x and WINDOW.y - 10 <= y <= WINDOW.bottom + 10
    ]
    assert inside, "no text near the window"
    printed = " ".join(text for text, *_ in inside)
    assert squash(printed).startswith(squash(recipient.name)[:20])
    assert inside[0][4]  # the name in bold
    for text, x, y, size, bold in inside:
        assert WINDOW.x <= x
        assert x + width_mm(text, size, bold) <= WINDOW.right
        assert WINDOW.y + size * PT <= y <= WINDOW.bottom  # the whole line, ascent to baseline
    # The short address is printed whole.
    if len(lines) == 3:
        assert squash(printed) == squash(" ".join(lines))


def test_plain_text_reads_like_the_letter():
    text = letter_text(letter())
    assert text.splitlines()[0] == "Ma Société SAS"
    recipient_line = next(line for line in text.splitlines() if "Œuvres" in line)
    assert recipient_line.startswith(" " * 30)
    assert "Paris, le 30 novembre 2026".rjust(78) in text.splitlines()
    assert "Objet\u00a0: Relance – factures impayées" in text  # never cut before the colon
    rows = [line for line in text.splitlines() if line.startswith("F0000")]
    assert len(rows) == 3
    assert len({len(row) for row in rows}) == 1  # amounts right-aligned in one column
    assert rows[2].endswith("102,50 €")
    assert "IBAN FR76 3000 6000 0112 3456 7890 189" in squash(text)
    assert "BIC AGRIFRPP" in text and "D000123" in text and "1 234,56 €" in squash(text)
    assert all(len(line) <= 78 for line in text.splitlines())


def test_no_line_starts_with_a_colon_or_ends_with_an_opening_quote():
    words = "Montant : 1 234,56 € « réglé » ; vraiment ? oui ! " * 30
    texts = [letter_text(letter(blocks=(words,)), width=w) for w in (30, 41, 57, 78)]
    pdf = pages(letters_pdf([letter(blocks=(words,))]))[0]
    for text in [*texts, pdf]:
        for line in text.splitlines():
            assert not line.lstrip().startswith((":", ";", "?", "!", "»")), line
            assert not line.rstrip().endswith("«"), line


def test_plain_text_strips_control_characters():
    hostile = letter(
        recipient=Party("Evil\x1b]0;pwned\x07 Corp\r\u202e", ("\x9b2J rue",)),
        blocks=("Hello\x1b[2J world\u2028!", Table(("A\x1b",), (("b\x07",),), ("L",))),
    )
    text = letter_text(hostile)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u202e]", text)
    assert "Evil]0;pwned Corp" in text
    pages(letters_pdf([hostile]))  # and the PDF prints


texts = st.text(max_size=120)
words = st.text(min_size=1, max_size=400).map(lambda t: t.replace(" ", ""))
tables = st.builds(
    Table,
    header=st.lists(texts, max_size=6).map(tuple),
    rows=st.lists(st.lists(st.one_of(texts, words), max_size=7).map(tuple), max_size=5).map(tuple),
    align=st.lists(st.sampled_from(["L", "R", "?"]), max_size=7).map(tuple),
)
letters = st.builds(
    Letter,
    language=st.sampled_from(["fr", "en", "xx"]),
    sender=st.builds(Party, texts, st.lists(texts, max_size=4).map(tuple)),
    sender_lines=st.lists(texts, max_size=5).map(tuple),
    recipient=st.builds(Party, st.one_of(texts, words), st.lists(texts, max_size=9).map(tuple)),
    place_date=texts,
    subject=st.one_of(texts, words),
    blocks=st.lists(st.one_of(st.text(max_size=600), words, tables), max_size=5).map(tuple),
    signatory=texts,
    footer=st.one_of(texts, words),
    payment=st.one_of(
        st.none(),
        st.builds(
            Payment,
            st.just("Ma Société SAS"),
            st.just(PAYMENT.iban),
            st.sampled_from(["", "AGRIFRPP"]),
            st.decimals("0.01", "999999999.99", places=2),
            st.text(st.characters(categories=["L", "N", "P"]), max_size=140),
        ),
    ),
    notes=st.lists(texts, max_size=3).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(letters)
def test_any_letter_prints(any_letter):
    pdf = letters_pdf([any_letter])
    assert pdf.startswith(b"%PDF")
    assert PdfReader(io.BytesIO(pdf)).pages
    text = letter_text(any_letter)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", text)


def test_huge_cells_and_paragraphs_run_onto_pages():
    word = "x" * 5000
    huge = letter(
        blocks=(
            "mot " * 3000,
            Table(("A", "B"), ((word, "1,00 €"), ("b", word)), ("L", "R")),
        ),
        footer="Mentions légales " * 40,
    )
    texts = pages(letters_pdf([huge]))
    count = len(texts)
    assert count > 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number}/{count}" in text
    assert "Mentions légales" in texts[0] and "…" in texts[0]  # two lines at most


def test_a_payment_that_cannot_be_encoded_refuses_the_batch():
    bad = Payment("Ma Société SAS", "FR7630006000011234567890188", "AGRIFRPP", Decimal(1), "D1")
    with pytest.raises(UserError, match="IBAN"):
        letters_pdf([letter(), letter(payment=bad)])


def test_empty_batch_is_one_blank_page():
    assert len(pages(letters_pdf([]))) == 1


def test_a_long_sender_block_stays_above_the_body():
    sender = Party("Ma Société SAS", tuple(f"Ligne d’adresse {i}" for i in range(40)))
    texts = pages(letters_pdf([letter(sender=sender)]))
    assert len(texts) == 1
    flat = squash(texts[0])
    assert "Ligne d’adresse 3" in flat and "Ligne d’adresse 39" not in flat and "…" in flat
    assert flat.index("Œuvres & Cœurs SARL") < flat.index("Objet : Relance")


def test_the_qr_code_drawn_in_the_pdf_decodes_to_the_payment():
    """The code is drawn as rectangles (dark runs of each row): drawn back the same way,
    module by module, it decodes to the payload."""
    import zxingcpp

    modules, runs = _qr_runs(PAYMENT)
    scale, border = 4, 4
    side = (modules + 2 * border) * scale
    image = Image.new("L", (side, side), 255)
    for row, col, length in runs:
        left, top = (col + border) * scale, (row + border) * scale
        image.paste(0, (left, top, left + length * scale, top + scale))
    [result] = zxingcpp.read_barcodes(image)
    assert bytes(result.bytes).decode("utf-8") == epc_payload(PAYMENT)


def test_a_wide_table_wraps_its_labels_never_a_date_or_an_amount():
    header = ("Pièce", "Facture", "Date", "Échéance", "Jours de retard", "Montant", "Reste dû")
    rows = tuple(
        (
            f"VT{i:06d}",
            f"F2026-{i:05d}",
            "14/08/2026",
            "13/09/2026",
            "78",
            "12\u00a0345,67\u00a0€",
            "12\u00a0345,67\u00a0€",
        )
        for i in range(3)
    )
    text = letter_text(letter(blocks=(Table(header, rows, ("L", "L", "L", "L", "R", "R", "R")),)))
    assert all(len(line) <= 78 for line in text.splitlines())
    for value in ("14/08/2026", "13/09/2026", "12\u00a0345,67\u00a0€", "VT000002", "F2026-00002"):
        assert value in text


def test_a_large_batch_has_its_qr_codes_made_ahead_in_a_second_process():
    payments = [
        Payment("Ma Société SAS", PAYMENT.iban, PAYMENT.bic, Decimal(100 + n), f"D{n:06d}")
        for n in range(AHEAD_FROM + 2)
    ]
    ahead = _CodesAhead(payments)
    try:
        assert ahead.pool is not None  # the machine can start one; else they are made here
        # Asked out of turn and in turn: the same codes as made here.
        for payment in [payments[3], *payments]:
            assert ahead.runs(payment) == _qr_runs.__wrapped__(payment)
    finally:
        ahead.close()
    assert _CodesAhead(payments[: AHEAD_FROM - 1]).pool is None  # a small batch: here
