"""Helpers for pilot tests: a demo-like database and waiting without sleeps."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerState

from engine.access import add_user
from engine.dossiers import open_dossier, pause
from engine.scenarios import BUILTIN_NAME, COURTESY, save_scenario
from tests.conftest import TestDB, seeded_copy
from tests.factories import add_customer, add_entry, d

TODAY = dt.date(2026, 3, 2)


_seeded: dict[Path, Path] = {}


def seed_tui(db: TestDB) -> None:
    """Three agents' worth of dossiers on 2026-03-02: boss is the manager, alice an agent.
    Made once per process on SQLite, then copied (conftest.seeded_copy)."""
    seeded_copy(db, _seed_tui, _seeded)


def _seed_tui(db: TestDB) -> None:
    with db.ctx(TODAY) as ctx:
        add_user(ctx.session, None, "alice", "agent", "Alice Martin")
        save_scenario(ctx.session, COURTESY, actor=None)
        rows = [
            ("CDUPONT", "Dupont Frères SARL", "1200.00", "2026-02-01", "alice"),
            ("CÉCILE", "Cécile Écoles SAS", "80.50", "2026-01-15", "boss"),
            ("CMARTIN", "Martin & Fils", "5000.00", "2026-02-20", "alice"),
            ("CLEROY", "Leroy Bâtiment EURL", "310.00", "2026-02-25", None),
        ]
        for code, name, amount, due, agent in rows:
            customer = add_customer(ctx.session, code, name)
            add_entry(
                ctx.session, customer, "invoice", "2025-12-01", amount, due=due, invoice=f"F-{code}"
            )
            open_dossier(ctx, code, BUILTIN_NAME, agent=agent)
        customer = add_customer(ctx.session, "CNEUF", "Neuf & Co")
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-05",
            "640.00",
            due="2026-02-04",
            invoice="F-NEUF",
        )
        pause(ctx, "D000003", d("2026-03-13"), "Promesse de règlement")


async def wait_for(pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 5) -> None:
    """Let workers and messages run until ``predicate`` holds (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"condition not met in time; {app_state(pilot)}")
        # In slices: a worker held on purpose (a slow database) must not hide that the
        # condition came true meanwhile (a timer opened the screen).
        await workers_done(pilot, min(0.05, end - loop.time()))
        await pilot.pause(0.01)
    # What the condition saw may still be settling (a screen just pushed mounting its
    # widgets): let the app go idle before the test acts on it.
    await pilot.pause()


def app_state(pilot: Pilot[None]) -> str:
    """What the app showed and was doing: a timeout's message says why, not only that."""
    app = pilot.app
    notes = [n.message for n in app._notifications]
    workers = [
        f"{w.name} {w.state.name}" + (f" {w.error!r}" if w.error else "") for w in app.workers
    ]
    return f"screen {type(app.screen).__name__}, notifications {notes}, workers {workers}"


async def workers_done(pilot: Pilot[None], timeout: float) -> None:
    """Wait (at most ``timeout``) for the running workers; one cancelled by the next
    keystroke (an exclusive read) or failed is done too: the test's condition says the rest.

    By looking at their states: awaiting the workers under a timeout (``asyncio.wait_for``
    on ``wait_for_complete``) cancels them when it runs out, and a worker cancelled before
    its thread started never runs (a dossier that never loads)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while busy(pilot) and loop.time() < end:
        await asyncio.sleep(0.002)


def busy(pilot: Pilot[None]) -> bool:
    """A worker still pending or running."""
    return any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)


async def settle(pilot: Pilot[None], timeout: float = 5) -> None:
    """Wait until every worker has finished and the screen has handled what they posted;
    again while that starts new work (a result often starts the next read). What a fixed
    pause hoped for, as soon as it holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        await workers_done(pilot, end - loop.time())
        await pilot.pause()
        if not busy(pilot):
            return
        if loop.time() > end:
            raise AssertionError("workers still running")
