"""The list columns of a dossier (next action, current step), kept in step with its
interventions so that lists of 100,000 dossiers sort and filter in SQL.

A flush listener notes the dossiers whose interventions changed; before the unit of work
commits, their columns are recomputed. No service has to remember it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import col

from models.columns import pk
from models.tables import Dossier, Intervention

CHUNK = 500
TOUCHED = "summary_touched_dossiers"


def by_chunks(
    session: OrmSession,
    ids: Iterable[int] | None,
    refresh: Callable[[OrmSession, list[int] | None], None],
) -> None:
    """``refresh`` every row (``None``), or these ids, ``CHUNK`` at a time: an ``IN`` list
    stays within what both backends take in one statement."""
    if ids is None:
        refresh(session, None)
        return
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        refresh(session, ordered[start : start + CHUNK])


def refresh_next_actions(session: OrmSession, dossier_ids: Iterable[int] | None = None) -> None:
    """Recompute next_action and current_step (``None``: every dossier); writes only changes."""
    by_chunks(session, dossier_ids, _refresh_chunk)


def _refresh_chunk(session: OrmSession, ids: list[int] | None) -> None:
    dossier_id = col(Intervention.dossier_id)
    todo = col(Intervention.status) == "todo"
    nexts = select(dossier_id, func.min(col(Intervention.planned))).where(todo)
    steps = select(dossier_id, func.min(col(Intervention.step))).where(
        todo, col(Intervention.step_no).is_not(None)
    )
    current = select(pk(Dossier.id), col(Dossier.next_action), col(Dossier.current_step))
    if ids is not None:
        nexts = nexts.where(dossier_id.in_(ids))
        steps = steps.where(dossier_id.in_(ids))
        current = current.where(pk(Dossier.id).in_(ids))
    next_of = dict(session.execute(nexts.group_by(dossier_id)).all())
    step_of = dict(session.execute(steps.group_by(dossier_id)).all())
    changes = [
        {"id": i, "next_action": next_of.get(i), "current_step": step_of.get(i) or ""}
        for i, next_action, step in session.execute(current)
        if (next_action, step) != (next_of.get(i), step_of.get(i) or "")
    ]
    if changes:
        session.execute(update(Dossier), changes)


@event.listens_for(OrmSession, "after_flush")
def _note(session: OrmSession, _ctx: UOWTransaction) -> None:
    touched: set[int] = session.info.setdefault(TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Intervention) and obj.dossier_id is not None:
            touched.add(obj.dossier_id)


@event.listens_for(OrmSession, "before_commit")
def _refresh(session: OrmSession) -> None:
    session.flush()
    touched: set[int] | None = session.info.pop(TOUCHED, None)
    if touched:
        refresh_next_actions(session, touched)


def _forget(session: OrmSession, *_args: Any) -> None:
    session.info.pop(TOUCHED, None)


event.listen(OrmSession, "after_rollback", _forget)
