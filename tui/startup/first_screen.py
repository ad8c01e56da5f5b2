"""What the dossier list shows at start-up, read by the start-up process (tui.startup).

Two ways to read the same thing, sending each answer as soon as it is read (the rows, then
the count, then the totals):

- ``read_first_screen``: with the database driver alone (tui.startup.driver), in the
  statements ``engine.reads.dossier_list`` makes for the list's first filter, so the rows
  come before SQLAlchemy and the models are imported. The one SQL outside the engine:
  ``tests/test_tui_prefetch.py`` checks it gives the engine's rows and values exactly, on
  both backends.
- ``first_screen``: through the engine, when the driver alone could not be used.

No Textual here, and no database layer at module level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from engine.reads.filters import DossierFilter
from models.money import from_cents
from models.states import DossierStatus
from tui.startup.driver import SQLITE, Driver
from tui.startup.messages import FirstCount, FirstRows, FirstTotals, Message, Row

FIRST_FILTER = DossierFilter()  # the list's filter when it opens
FIRST_ROWS = 100  # one page of tui.widgets.lazy_table.TableBody (PAGE)

Send = Callable[[Message], None]

# engine.reads.dossier_list.dossier_window for FIRST_FILTER (sorted by number, no filter).
ROWS = """
SELECT dossier.number, customer.code, customer.name, dossier.agent, scenario.name,
       dossier.current_step, dossier.next_action, dossier.oldest_due, dossier.principal,
       dossier.charges, dossier.status, dossier.pause_until
FROM dossier
JOIN customer ON customer.id = dossier.customer_id
LEFT OUTER JOIN scenario ON scenario.id = dossier.scenario_id
ORDER BY dossier.number ASC, dossier.number
LIMIT ?
"""
# dossier_count and dossier_totals for FIRST_FILTER: no join without a text filter.
COUNT_AND_BALANCE = (
    "SELECT count(*), coalesce(sum(dossier.principal + dossier.charges), 0) FROM dossier"
)
DUE_TODAY = """
SELECT count(*) FROM dossier
JOIN intervention ON intervention.dossier_id = dossier.id
WHERE intervention.status = 'todo' AND intervention.planned <= ? AND dossier.status = 'open'
"""


def _date(value: Any) -> dt.date | None:
    """A date as the driver gives it: PostgreSQL's a date, SQLite's the text SQLAlchemy
    stored (YYYY-MM-DD)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def read_first_screen(driver: Driver, today: dt.date, send: Send) -> None:
    """The rows first, then the count and totals, with the driver alone."""
    rows: list[Row] = []
    for r in driver.rows(ROWS, (FIRST_ROWS,)):
        number, code, name, agent, scenario, step, next_action, oldest, principal = r[:9]
        charges, status, pause_until = r[9:]
        oldest_due = _date(oldest)
        rows.append(
            {
                "number": number,
                "customer": code,
                "customer_name": name,
                "agent": agent,
                "scenario": scenario,
                "step": step,
                "next_action": _date(next_action),
                "days_late": (today - oldest_due).days if oldest_due else None,
                "balance": from_cents(principal) + from_cents(charges),
                "status": DossierStatus(status),
                "pause_until": _date(pause_until),
            }
        )
    send(FirstRows(rows))
    ((count, cents),) = driver.rows(COUNT_AND_BALANCE)
    send(FirstCount(int(count)))
    day = today.isoformat() if driver.dialect == SQLITE else today
    ((due,),) = driver.rows(DUE_TODAY, (day,))
    send(
        FirstTotals(
            {"dossiers": int(count), "balance": from_cents(cents or 0), "due_today": int(due)}
        )
    )


def first_screen(ctx: Any, send: Send) -> None:
    """The same answers through the engine (a ``Ctx``), each sent as soon as it is read."""
    from engine.reads.dossier_list import dossier_count, dossier_totals, dossier_window

    session, today = ctx.session, ctx.today
    send(FirstRows([dict(r) for r in dossier_window(session, FIRST_FILTER, 0, FIRST_ROWS, today)]))
    send(FirstCount(dossier_count(session, FIRST_FILTER)))
    send(FirstTotals(dict(dossier_totals(session, FIRST_FILTER, today))))
