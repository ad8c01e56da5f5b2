"""``recouvrement demo``: fill a new database with a believable French company's receivables.

Two flavours:

- ``small`` (the default): ~300 customers, ~1,500 invoices and ~120 dossiers made by the real
  services on past dates (``engine.demo.small``).
- ``large`` or a number N: N dossiers (large = 100,000) and about 10 entries per dossier,
  computed here and written with Core bulk inserts (``engine.demo.large``).

Everything is drawn from ``random.Random`` with a fixed seed and dates relative to ``today``:
the same call gives the same database. Both flavours share who the customers are
(``identities``), what the agents write (``wording``), the accounting lines (``ledger``),
working days and scenario steps (``schedule``), and the settings and people they start from
(``prepare``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import select

from engine.balances import refresh_dossiers
from engine.demo.large import LargeDemo
from engine.demo.prepare import Progress, prepare
from engine.demo.small import SmallDemo
from engine.errors import UserError
from engine.i18n import _
from engine.scenarios import COURTESY
from engine.summary import refresh_next_actions
from models.db import refresh_statistics, session_factory, transaction
from models.tables import Customer, Dossier, Entry, Intervention

__all__ = ["COURTESY", "LARGE", "SEED", "DemoReport", "Progress", "build_demo", "parse_size"]

SEED = 20260302
LARGE = 100_000


@dataclass
class DemoReport:
    customers: int
    entries: int
    dossiers: int
    interventions: int
    seconds: float


def parse_size(size: str | int) -> int | None:
    """None for the small demo, else the number of dossiers of the bulk flavour."""
    if isinstance(size, int) and not isinstance(size, bool):
        number: int | None = size
    else:
        value = str(size).strip().lower().replace("_", "").replace(",", "")
        if value == "small":
            return None
        number = LARGE if value == "large" else int(value) if value.isdigit() else None
    if number is None or number < 1:
        raise UserError(
            _("Unknown demo size {size!r}: expected small, large or a number of dossiers.").format(
                size=size
            )
        )
    return number


def build_demo(
    engine: Engine,
    login: str,
    today: dt.date,
    size: str | int = "small",
    progress: Progress | None = None,
    *,
    scale: float = 1.0,
    seed: int = SEED,
) -> DemoReport:
    """Fill an initialised, empty database with demo data (see the module docstring).

    ``scale`` shrinks or grows the small demo (tests use a fraction of it); ``login`` must be a
    manager and stays one.
    """
    started = time.perf_counter()
    say: Progress = progress or (lambda _message: None)
    dossiers = parse_size(size)
    factory = session_factory(engine)
    if dossiers is None:
        with transaction(factory) as session:
            SmallDemo(session, login, today, scale, random.Random(seed), say).run()
    else:
        # One transaction for all of it: killed or failing halfway, the demo leaves nothing
        # (no people or settings without dossiers, no dossiers without their next action)
        # and can simply be run again.
        with engine.begin() as conn:
            joined = session_factory(conn)
            with transaction(joined) as session:
                prepare(session, login, today)
            LargeDemo(conn, login, today, dossiers, seed, say).run()
            with transaction(joined) as session:
                # The list columns the services keep (days late, next action, current step).
                refresh_dossiers(session)
                refresh_next_actions(session)
    with engine.begin() as conn:
        refresh_statistics(conn)
    say(_("Counting what the demo made…"))
    with engine.connect() as conn:

        def count(model: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())

        report = DemoReport(
            customers=count(Customer),
            entries=count(Entry),
            dossiers=count(Dossier),
            interventions=count(Intervention),
            seconds=round(time.perf_counter() - started, 2),
        )
    return report
