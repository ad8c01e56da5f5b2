"""What an import's report says, sentence by sentence (CSV and FEC alike): written once for
the command line (``import csv``, ``import fec``) and the TUI's Import screen."""

from __future__ import annotations

from engine.fec_import import FecReport
from engine.i18n import _, ngettext, pgettext
from engine.importing import ImportReport


def stage_label(stage: str) -> str:
    """What an import is doing, by the stage its progress callback names ("read"/"write")."""
    return _("reading") if stage == "read" else _("writing")


def summary_line(report: ImportReport) -> str:
    """The first line: the file, its lines, what was added, updated, left, created."""
    return _(
        "{file}: {lines} lines, {added} added, {updated} updated, {unchanged} unchanged; "
        "{customers} customers created."
    ).format(
        file=report.file,
        lines=report.lines,
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        customers=report.customers_created,
    )


def due_date_line(report: ImportReport) -> str | None:
    """Where a FEC import's due dates came from (None for a CSV import)."""
    if not isinstance(report, FecReport):
        return None
    source = report.due_date_source
    if source == "payment_terms":
        return _("Due dates: the file has none; piece date + the customer's payment terms.")
    return _("Due dates: from the file's {column} column.").format(column=source)


def computed_lines(report: ImportReport) -> list[str]:
    """The due dates an import computed, the lines it skipped, the customers it changed."""
    lines: list[str] = []
    if report.due_dates_computed:
        lines.append(
            _("{n} due dates computed from payment terms (the file gave none).").format(
                n=report.due_dates_computed
            )
        )
    if report.skipped_accounts:
        lines.append(
            ngettext(
                "{n} line skipped: its account is not a customer account.",
                "{n} lines skipped: their account is not a customer account.",
                report.skipped_accounts,
            ).format(n=report.skipped_accounts)
        )
    if report.customers_updated:
        lines.append(
            ngettext(
                "{n} customer's consumer flag changed.",
                "{n} customers' consumer flag changed.",
                report.customers_updated,
            ).format(n=report.customers_updated)
        )
    skipped_zero = report.skipped_zero if isinstance(report, FecReport) else 0
    if skipped_zero:
        lines.append(
            ngettext(
                "{n} line skipped: debit and credit are both 0.",
                "{n} lines skipped: debit and credit are both 0.",
                skipped_zero,
            ).format(n=skipped_zero)
        )
    return lines


def dossier_lines(report: ImportReport) -> list[str]:
    """The dossiers an import closed or reopened, by number."""
    return [
        _("{label}: {value}").format(label=label, value=", ".join(numbers))
        for label, numbers in (
            (pgettext("dossiers", "closed"), report.closed),
            (pgettext("dossiers", "reopened"), report.reopened),
        )
        if numbers
    ]


def vanished_lines(report: ImportReport) -> list[str]:
    """The entries an earlier FEC file brought that this one no longer has (kept)."""
    vanished = report.vanished if isinstance(report, FecReport) else []
    if not vanished:
        return []
    lines = [
        ngettext(
            "{n} entry imported before is no longer in this file (kept; check it in the "
            "accounting):",
            "{n} entries imported before are no longer in this file (kept; check them in "
            "the accounting):",
            len(vanished),
        ).format(n=len(vanished))
    ]
    for item in vanished:
        amount = item["debit"] if item["debit"] != "0.00" else "-" + item["credit"]
        lines.append(
            f"  #{item['id']} {item['customer']} {item['journal']} {item['number']} "
            f"{item['date']} {item['piece']} {amount} {item['label']}"
        )
    return lines


def report_lines(report: ImportReport) -> list[str]:
    """The whole report, one sentence a line, in the order the command line prints it."""
    due = due_date_line(report)
    return [
        summary_line(report),
        *([due] if due is not None else []),
        *computed_lines(report),
        *dossier_lines(report),
        *vanished_lines(report),
    ]
