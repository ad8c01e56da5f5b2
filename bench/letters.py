"""Letters output benchmark: 1,000 letters as one batch PDF, then as 1,000 e-mails (each
with its own one-letter PDF) written to an outbox folder.

    python bench/letters.py [--letters 1000] [--rows 6] [--repeat 1]

The letters are built by hand (no database, no template): a French reminder of a few
paragraphs, a table of open invoices, a payment QR code whose amount and reference differ
from letter to letter (so the QR cache never helps), like a day's batch. Target: each part
under 20 s on this machine. A benchmark, not a test: it reports, it does not fail the build.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from engine.documents.letter import Letter, Party, Payment, Table  # noqa: E402
from engine.documents.mail import build_message, write_outbox  # noqa: E402
from engine.documents.pdf import letters_pdf  # noqa: E402

TARGET = 20.0  # seconds, each part


def letter(number: int, rows: int) -> Letter:
    invoices = tuple(
        (f"F{number:05d}-{i}", f"{1 + i:02d}/09/2026", f"{100 + number % 900},{i:02d} €")
        for i in range(rows)
    )
    total = Decimal(sum(100 + number % 900 for _ in range(rows))) + Decimal(sum(range(rows))) / 100
    return Letter(
        language="fr",
        sender=Party("Ma Société SAS", ("12 rue de l’Église", "75001 Paris")),
        sender_lines=(
            "Tél. 01 23 45 67 89",
            "recouvrement@masociete.fr",
            "SIREN 123 456 789",
            "TVA FR12 123456789",
        ),
        recipient=Party(
            f"Client n° {number} – Établissements Dupré & Fils",
            ("Service comptabilité", f"{number} avenue des Œillets", "69002 Lyon"),
        ),
        place_date="Paris, le 30 novembre 2026",
        subject=f"Objet : Relance pour factures impayées – dossier D{number:06d}",
        blocks=(
            "Madame, Monsieur,",
            "Sauf erreur ou omission de notre part, nous constatons que les factures "
            "ci-dessous restent impayées à ce jour, malgré notre précédente relance. Nous "
            "vous remercions de bien vouloir procéder à leur règlement sous huit jours.",
            Table(("Facture", "Échéance", "Montant TTC"), invoices, ("L", "L", "R")),
            f"Soit un total de {total} € à régler, majoré de l’indemnité forfaitaire pour "
            "frais de recouvrement de 40 € par facture (article L441-10 du Code de commerce).",
            "Veuillez agréer, Madame, Monsieur, l’expression de nos salutations distinguées.",
        ),
        signatory="Jeanne Martin\nService recouvrement",
        footer="Ma Société SAS – SAS au capital de 10 000 € – RCS Paris 123 456 789",
        payment=Payment(
            "Ma Société SAS",
            "FR7630006000011234567890189",
            "AGRIFRPP",
            total,
            f"D{number:06d}",
        ),
        notes=("Lettre recommandée avec accusé de réception",) if number % 3 == 0 else (),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    letters = [letter(number, args.rows) for number in range(1, args.letters + 1)]

    batch_times, mail_times = [], []
    for _run in range(args.repeat):
        started = time.perf_counter()
        pdf = letters_pdf(letters)
        batch_times.append(time.perf_counter() - started)
        print(
            f"batch PDF: {len(letters)} letters, {len(pdf) / 1e6:.1f} MB, {batch_times[-1]:.2f} s",
            flush=True,
        )
        with tempfile.TemporaryDirectory() as folder:
            outbox = Path(folder) / "outbox"
            started = time.perf_counter()
            in_pdf = 0.0
            for item in letters:
                begun = time.perf_counter()
                attachment = letters_pdf([item])
                in_pdf += time.perf_counter() - begun
                message = build_message(
                    item,
                    attachment,
                    sender="recouvrement@masociete.fr",
                    recipient="compta@client.example",
                    filename=f"{item.payment.reference if item.payment else 'lettre'}.pdf",
                )
                write_outbox(message, outbox)
            mail_times.append(time.perf_counter() - started)
            count = len(list(outbox.glob("*.eml")))
        print(
            f"e-mails: {count} .eml in the outbox, {mail_times[-1]:.2f} s "
            f"(of which the one-letter PDFs {in_pdf:.2f} s)",
            flush=True,
        )

    for label, times in (("batch PDF", batch_times), ("e-mails to the outbox", mail_times)):
        median = statistics.median(times)
        verdict = "met" if median <= TARGET else "NOT met"
        print(f"{label}: median {median:.2f} s (target {TARGET:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
