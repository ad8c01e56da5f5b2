"""The two file formats entries travel in, named once: what the imports read
(engine.csv_import, engine.fec_import) and ``export charges`` writes (engine.charges_export)
so that an exported file imports back."""

from __future__ import annotations

from pathlib import Path

# The CSV entry columns (docs/IMPORT.md), in the order the export writes them.
CSV_COLUMNS = (
    "customer_code",
    "customer_name",
    "journal",
    "date",
    "piece",
    "invoice",
    "reference",
    "account",
    "label",
    "due_date",
    "debit",
    "credit",
    "lettering",
    "kind",
)

# The 18 fields of a FEC (Livre des procédures fiscales A47 A-1), in their order.
FEC_FIELDS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)


def guess_format(path: Path) -> str | None:
    """ "fec" when the file's first line starts with a FEC's first field (JournalCode, a
    byte-order mark allowed), "csv" for another file, None when it cannot be read (the
    import will say why)."""
    try:
        with path.open("rb") as handle:
            first = handle.read(64)
    except OSError:
        return None
    text = first.removeprefix(b"\xef\xbb\xbf").decode("latin-1").strip().lower()
    return "fec" if text.startswith(FEC_FIELDS[0].lower()) else "csv"
