"""The two file formats entries travel in, named once: what the imports read
(engine.csv_import, engine.fec_import) and ``export charges`` writes (engine.charges_export)
so that an exported file imports back."""

from __future__ import annotations

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
