"""The one path that writes imported accounting entries (CSV and FEC imports alike).

Each import reads and checks its whole file first (engine.csv_import, engine.fec_import),
turning it into :class:`ImportLine` rows that all carry a stable ``source_key``; then
:func:`write_entries` creates the unknown customers, adds the new lines, updates the
lettering (and given due dates) of the known ones, recomputes the open amounts of the
lettering groups touched and the dossiers holding them (closing the settled ones and
reopening those owed again), and records one history row for the import.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, bindparam, insert, select, tuple_, update
from sqlmodel import col

from engine.balances import (
    dossiers_of_entries,
    refresh_dossiers,
    refresh_open_amounts,
)
from engine.charges_export import known_charges
from engine.context import Ctx
from engine.dossiers import settle_and_reopen
from engine.errors import UserError
from engine.history import now, record
from engine.i18n import _, ngettext
from models.db import refresh_statistics
from models.tables import Customer, Dossier, Entry, History

DUE_KINDS = ("invoice", "fee", "penalty", "indemnity")  # kinds that fall due
CHUNK = 500  # IN lists stay far below every backend's bound-parameter limit
WRITE_CHUNK = 5000  # rows per bulk INSERT / UPDATE
ZERO = Decimal("0.00")
STATISTICS_AFTER = 1000  # added lines after which the planner statistics are refreshed

# progress(done, total): lines written so far; called once per chunk.
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    file: str
    lines: int = 0  # data lines read (blank lines aside)
    added: int = 0
    updated: int = 0  # lettering or due date changed
    unchanged: int = 0
    customers_created: int = 0
    due_dates_computed: int = 0  # new entries whose due date came from payment terms
    skipped_accounts: int = 0  # lines on another account than the customers' (706…)
    customers_updated: int = 0  # existing customers whose consumer flag the file changed
    dossiers_touched: list[str] = field(default_factory=list)  # principal recomputed
    closed: list[str] = field(default_factory=list)  # settled by this import
    reopened: list[str] = field(default_factory=list)  # owed again after unlettering


@dataclass(slots=True)
class ImportLine:
    """One validated customer line of an imported file."""

    line: int
    customer_code: str
    customer_name: str
    journal: str
    date: dt.date
    piece: str
    invoice: str
    reference: str
    account: str
    label: str
    due_date: dt.date | None
    debit: Decimal
    credit: Decimal
    lettering: str | None
    kind: str
    source_key: str = ""
    consumer: bool | None = None  # the CSV ``consumer`` cell; None when empty
    # The date payment terms count from when there is no due date (None: ``date``).
    due_from: dt.date | None = None


def unreadable(path: Path, exc: OSError, expected: str) -> UserError:
    """An import's file that cannot be opened: missing (naming the ``expected`` format,
    "CSV" or "FEC"), or why the system refused it."""
    if isinstance(exc, FileNotFoundError):
        return UserError(
            _("File {path} not found: expected an existing {format} file.").format(
                path=str(path), format=expected
            )
        )
    return UserError(
        _("Cannot read {path}: {reason}.").format(path=str(path), reason=exc.strerror or exc)
    )


def refused(path: Path, count: int, errors: list[str]) -> UserError:
    """The whole file is refused: a first line, then each bad line on its own line."""
    return UserError(
        ngettext(
            "Nothing was imported from {path}: {count} invalid line.",
            "Nothing was imported from {path}: {count} invalid lines.",
            count,
        ).format(path=str(path), count=count)
        + "\n"
        + "\n".join(errors)
    )


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def customers(
    ctx: Ctx, lines: list[ImportLine], report: ImportReport, consumers: dict[str, bool]
) -> dict[str, tuple[int, int]]:
    """Customer code -> (id, payment terms), creating the unknown ones; ``consumers`` sets
    the flag of new and existing customers."""
    session = ctx.session
    names: dict[str, str] = {}
    for item in lines:
        if not names.get(item.customer_code):
            names[item.customer_code] = item.customer_name
    known: dict[str, tuple[int, int]] = {}
    changed: list[str] = []
    for chunk in chunks(sorted(names)):
        for row in session.execute(
            select(
                col(Customer.code),
                col(Customer.id),
                col(Customer.payment_terms_days),
                col(Customer.consumer),
            ).where(col(Customer.code).in_(chunk))
        ):
            known[row.code] = (row.id, row.payment_terms_days)
            if consumers.get(row.code, row.consumer) != row.consumer:
                changed.append(row.code)
    for chunk in chunks(changed):
        # Through the ORM: each change gets its history row; the version moves, so a form
        # opened before the import cannot save over it.
        for customer in session.scalars(select(Customer).where(col(Customer.code).in_(chunk))):
            customer.consumer = consumers[customer.code]
            customer.version += 1
    report.customers_updated = len(changed)
    terms = int(ctx.settings.payment_terms_days)
    # Through the ORM on purpose: each new customer gets its own history row.
    created = [
        Customer(
            code=code,
            name=names[code] or code,
            payment_terms_days=terms,
            consumer=consumers.get(code, False),
        )
        for code in sorted(set(names) - set(known))
    ]
    if created:
        session.add_all(created)
        session.flush()
        for customer in created:
            assert customer.id is not None
            known[customer.code] = (customer.id, customer.payment_terms_days)
    report.customers_created = len(created)
    return known


def existing(ctx: Ctx, keys: list[str]) -> dict[str, Any]:
    """The entries already imported under these keys, by key."""
    found: dict[str, Any] = {}
    # The keys are rendered inline: a statement that never repeats is never auto-prepared
    # by psycopg, whose cached generic plan, made while the table was small, degrades to a
    # sequential scan per chunk (80 s instead of 1 s for 50,000 lines).
    wanted: BindParameter[str] = bindparam("keys", expanding=True, literal_execute=True)
    for chunk in chunks(keys):
        for row in ctx.session.execute(
            select(
                col(Entry.id),
                col(Entry.source_key),
                col(Entry.customer_id),
                col(Entry.account),
                col(Entry.lettering),
                col(Entry.due_date),
                col(Entry.debit),
                col(Entry.credit),
                col(Entry.open_amount),
                col(Entry.version),
            ).where(col(Entry.source_key).in_(wanted)),
            {"keys": list(chunk)},
        ):
            found[row.source_key] = row
    return found


def _history_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _touched_entries(
    ctx: Ctx, customer_id: int, groups: set[tuple[str, str]], whole: bool
) -> list[int]:
    query = select(col(Entry.id)).where(col(Entry.customer_id) == customer_id)
    if not whole:
        query = query.where(tuple_(col(Entry.account), col(Entry.lettering)).in_(list(groups)))
    return list(ctx.session.execute(query).scalars())


def refresh(
    ctx: Ctx,
    groups: dict[int, set[tuple[str, str]]],
    changed_ids: Iterable[int],
    report: ImportReport,
) -> None:
    """Open amounts of the affected lettering groups, then the dossiers holding them."""
    session = ctx.session
    ordered_customers = sorted(groups)
    with_dossiers: set[int] = set()
    for chunk in chunks(ordered_customers):
        with_dossiers.update(
            session.execute(
                select(col(Dossier.customer_id))
                .where(col(Dossier.customer_id).in_(chunk))
                .distinct()
            ).scalars()
        )
    entry_ids = set(changed_ids)
    for customer_id in ordered_customers:
        wanted = groups[customer_id]
        # Past a few hundred groups, reading the whole account is cheaper than a long IN list.
        whole = len(wanted) > CHUNK
        refresh_open_amounts(session, customer_id, None if whole else wanted)
        if customer_id in with_dossiers:
            entry_ids.update(_touched_entries(ctx, customer_id, wanted, whole))
    dossier_ids: set[int] = set()
    for chunk in chunks(sorted(entry_ids)):
        dossier_ids |= dossiers_of_entries(session, chunk)
    if not dossier_ids:
        return
    ordered = sorted(dossier_ids)
    for chunk in chunks(ordered):
        refresh_dossiers(session, chunk)
    for chunk in chunks(ordered):
        closed, reopened = settle_and_reopen(ctx, set(chunk))
        report.closed += closed
        report.reopened += reopened
    numbers: list[str] = []
    for chunk in chunks(ordered):
        numbers += session.execute(
            select(col(Dossier.number)).where(col(Dossier.id).in_(chunk))
        ).scalars()
    report.dossiers_touched = sorted(numbers)
    report.closed.sort()
    report.reopened.sort()


def write_entries(
    ctx: Ctx,
    path: Path,
    lines: list[ImportLine],
    report: ImportReport,
    source: str,
    consumers: dict[str, bool] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write checked customer lines: add the new ones (by ``source_key``), update the
    lettering and given due dates of the known ones, then refresh lettering groups and
    dossiers and record the import in the history. ``report`` is filled in.

    A line whose piece is the reference of a charge ``export charges`` wrote (same
    customer, same amount) is that charge coming back from the accounting: it updates the
    charge (its lettering: once lettered with a payment the charge is settled) instead of
    adding a second entry (engine.charges_export.known_charges). CSV and FEC alike."""
    session = ctx.session
    entry_table = Entry.__table__  # type: ignore[attr-defined]
    known_customers = customers(ctx, lines, report, consumers or {})
    # Charges we exported coming back (engine.charges_export.known_charges, the one hook):
    # such a line is that charge, updated below like a line imported before.
    coming_back = known_charges(
        ctx,
        (
            (known_customers[item.customer_code][0], item.piece, item.debit, item.credit)
            for item in lines
        ),
    )
    stored_charges = existing(ctx, [charge.source_key for charge in coming_back.values()])
    charges = {
        position: stored_charges[charge.source_key] for position, charge in coming_back.items()
    }

    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    groups: dict[int, set[tuple[str, str]]] = defaultdict(set)
    at = now()
    login = session.info.get("login", ctx.actor.login)
    total = len(lines)
    done = 0

    def flush_new() -> None:
        nonlocal done
        if new_rows:
            # A Core bulk statement on the session's connection (one history row per entry
            # would drown the table: see engine.history.record; the ORM's bulk path costs as
            # much again as the database): every row has every key, so it is one executemany.
            session.connection().execute(entry_table.insert(), new_rows)
            report.added += len(new_rows)
            new_rows.clear()
        if progress is not None:
            progress(done, total)

    found: dict[str, Any] = {}
    for done, item in enumerate(lines, start=1):
        if done % WRITE_CHUNK == 1:
            # The stored entries of the next lines only: a re-import of a million lines
            # never holds them all at once.
            found = existing(
                ctx, [line.source_key for line in lines[done - 1 : done - 1 + WRITE_CHUNK]]
            )
        customer_id, terms = known_customers[item.customer_code]
        old = found.get(item.source_key) or charges.get(done - 1)
        if old is None:
            due_date = item.due_date
            if due_date is None and item.kind in DUE_KINDS:
                due_date = (item.due_from or item.date) + dt.timedelta(days=terms)
                report.due_dates_computed += 1
            new_rows.append(
                {
                    "customer_id": customer_id,
                    "journal": item.journal,
                    "date": item.date,
                    "piece": item.piece,
                    "invoice": item.invoice,
                    "reference": item.reference,
                    "account": item.account,
                    "label": item.label,
                    "due_date": due_date,
                    "debit": item.debit,
                    "credit": item.credit,
                    "lettering": item.lettering,
                    "kind": item.kind,
                    "source": source,
                    "source_key": item.source_key,
                    "reminder_count": 0,
                    "excluded": False,
                    # Right for an unlettered line; lettered ones are recomputed below.
                    "open_amount": item.debit - item.credit,
                    "version": 1,
                }
            )
            if item.lettering:
                groups[customer_id].add((item.account, item.lettering))
            if len(new_rows) >= WRITE_CHUNK:
                flush_new()
            continue
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if old.lettering != item.lettering:
            before["lettering"], after["lettering"] = old.lettering, item.lettering
        # An empty due date keeps the stored one: terms may have changed since.
        if item.due_date is not None and old.due_date != item.due_date:
            before["due_date"], after["due_date"] = old.due_date, item.due_date
        if not after:
            report.unchanged += 1
            continue
        report.updated += 1
        for code in (old.lettering, item.lettering):
            if code:
                groups[old.customer_id].add((old.account, code))
        groups.setdefault(old.customer_id, set())
        updates.append(
            {
                "id": old.id,
                "lettering": item.lettering,
                "due_date": after.get("due_date", old.due_date),
                # Unlettered entries stand alone: refresh_open_amounts only walks groups.
                "open_amount": old.debit - old.credit if not item.lettering else old.open_amount,
                "version": old.version + 1,
            }
        )
        history.append(
            {
                "at": at,
                "login": login,
                "table_name": "entry",
                "record_id": str(old.id),
                "action": "update",
                "before": json.dumps(
                    {k: _history_value(v) for k, v in before.items()},
                    sort_keys=True,
                    ensure_ascii=False,
                ),
                "after": json.dumps(
                    {k: _history_value(v) for k, v in after.items()},
                    sort_keys=True,
                    ensure_ascii=False,
                ),
            }
        )
    flush_new()
    for chunk in chunks(updates, WRITE_CHUNK):
        session.execute(update(Entry), list(chunk))
    if history:
        session.execute(insert(History), history)
    refresh(ctx, groups, (row["id"] for row in updates), report)
    summary = {"source": source, **asdict(report)}
    summary.pop("file")
    record(session, "entry", path.name[:40], "import", {"file": str(path), **summary})
    session.flush()
    if report.added >= STATISTICS_AFTER:
        refresh_statistics(session.connection())  # a big load changes the tables' shape
