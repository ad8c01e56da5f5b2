"""Letters output benchmark: 1,000 letters as one batch PDF, then as 1,000 e-mails (each
with its own one-letter PDF, cut from one layout of the day's letters) written to an outbox
folder; then (``--real``) 1,000 letters through the path a day's letters take: placeholders
read from a real dossier of the demo database, the template composed, PDF and plain text,
the e-mail written to an outbox.

    python bench/letters.py [--letters 1000] [--rows 6] [--repeat 1]
    python bench/letters.py --real [--one-by-one] [--db PATH] [--letters N] [--template T]

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
from engine.documents.pdf import each_letter_pdf, letters_pdf  # noqa: E402

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


def demo_database(folder: Path) -> str:
    """A small demo database (300 customers, 120 dossiers) made for the run."""
    import subprocess

    path = folder / "demo.sqlite3"
    rcv = [sys.executable, "-m", "tui.cli", "--db", str(path)]
    for command in (["init"], ["demo"]):
        subprocess.run([*rcv, *command], check=True, capture_output=True, cwd=HERE.parent)
    return str(path)


def real_path(db: str | None, count: int, template: str, today: str, one_by_one: bool) -> None:
    """``count`` letters in one batch, one process and one read transaction, cycling over
    the open dossiers of the demo: ``dossier_context`` → ``compose_letter`` → each
    letter's PDF + ``letter_text`` → ``build_message`` → ``write_outbox``. The PDFs are
    cut from one layout of the batch (``each_letter_pdf``, as preventive reminders are
    made), or with ``one_by_one`` made one letter at a time (``letters_pdf([letter])``, as
    a step's letter is made when it is marked done). Prints the time of each stage."""
    import datetime as dt

    from sqlmodel import col, select

    from engine.context import Ctx
    from engine.documents.compose import compose_letter
    from engine.documents.context import dossier_context
    from engine.documents.plain import letter_text
    from models.db import make_engine, session_factory, transaction
    from models.tables import Dossier

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        url = db or demo_database(Path(folder))
        if db is None:
            print(f"demo database made in {time.perf_counter() - started:.1f} s", flush=True)
        outbox = Path(folder) / "outbox"
        stages = dict.fromkeys(("context", "compose", "pdf", "text", "e-mail"), 0.0)
        day = dt.date.fromisoformat(today)
        with transaction(session_factory(make_engine(url)), write=False) as session:
            ctx = Ctx.load(session, "root", day)
            ids = list(
                session.exec(
                    select(Dossier.id).where(Dossier.status == "open").order_by(col(Dossier.id))
                )
            )
            if not ids:
                raise SystemExit("no open dossier in the database")
            begun = time.perf_counter()
            made = []
            for n in range(count):
                t0 = time.perf_counter()
                context = dossier_context(ctx, ids[n % len(ids)], day, "fr")
                t1 = time.perf_counter()
                letter, _version = compose_letter(ctx, template, "fr", context)
                t2 = time.perf_counter()
                letter_text(letter)
                t3 = time.perf_counter()
                stages["context"] += t1 - t0
                stages["compose"] += t2 - t1
                stages["text"] += t3 - t2
                made.append((letter, context.dossier.number))
            t0 = time.perf_counter()
            if one_by_one:
                pdfs = [letters_pdf([letter]) for letter, _number in made]
            else:
                pdfs = each_letter_pdf([letter for letter, _number in made])
            t1 = time.perf_counter()
            for (letter, number), pdf in zip(made, pdfs, strict=True):
                message = build_message(
                    letter,
                    pdf,
                    sender="recouvrement@masociete.fr",
                    recipient="compta@client.example",
                    filename=f"{number}-{template}.pdf",
                )
                write_outbox(message, outbox)
            t2 = time.perf_counter()
            stages["pdf"] += t1 - t0
            stages["e-mail"] += t2 - t1
            total = time.perf_counter() - begun
        written = len(list(outbox.glob("*.eml")))
    per_thousand = total * 1000 / count
    verdict = "met" if per_thousand <= TARGET else "NOT met"
    how = "one by one" if one_by_one else "cut from one layout"
    print(
        f"real path: {count} letters ({template}, {len(ids)} open dossiers cycled, PDFs {how}), "
        f"{written} .eml, {total:.2f} s, {1000 * total / count:.0f} ms a letter "
        f"(target {TARGET:.0f} s for 1,000: {verdict})"
    )
    for key, spent in stages.items():
        print(f"  {key:8} {spent:6.2f} s  {1000 * spent / count:5.1f} ms a letter")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--real", action="store_true", help="the real path on a demo database")
    parser.add_argument("--db", help="a database with dossiers (default: a small demo made)")
    parser.add_argument("--template", default="relance_1")
    parser.add_argument("--today", default="2026-11-30")
    parser.add_argument(
        "--one-by-one", action="store_true", help="--real: each PDF made alone, not cut"
    )
    args = parser.parse_args()
    if args.real:
        real_path(args.db, args.letters, args.template, args.today, args.one_by_one)
        return
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
            # One layout for the day, cut into one PDF per letter (each_letter_pdf): the
            # fonts are subset once, not once per e-mail.
            attachments = each_letter_pdf(letters)
            in_pdf = time.perf_counter() - started
            for item, attachment in zip(letters, attachments, strict=True):
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
