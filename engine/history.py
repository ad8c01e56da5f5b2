"""History of every change (docs/RULES.md): who, when, the values before and after.

One listener on the flush writes a row per inserted, updated or deleted record, so no
service can forget it. The acting login is ``session.info["login"]``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from models.tables import History, Sequence

UNTRACKED = (History, Sequence)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):  # a document's PDF: its size, not its bytes
        return f"({len(value)} bytes)"
    return value


def _dump(values: dict[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


def _tracked(mapper: Any) -> list[Any]:
    """The columns history records: not those derived from others (search keys)."""
    return [a for a in mapper.column_attrs if not a.columns[0].info.get("derived")]


def _columns(obj: Any) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in _tracked(inspect(obj).mapper)}


def _record_id(obj: Any) -> str:
    # From the instance, not its identity: new objects have no identity yet in after_flush.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in _tracked(state.mapper):
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                before[attr.key] = old
                after[attr.key] = new
    return before, after


def _ordered(objects: Any) -> list[Any]:
    return sorted(objects, key=lambda obj: (type(obj).__name__, _record_id(obj)))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@event.listens_for(OrmSession, "after_flush")
def _write_history(session: OrmSession, _ctx: UOWTransaction) -> None:
    login = session.info.get("login", "system")
    at = now()
    rows: list[dict[str, Any]] = []

    def add(obj: Any, action: str, before: str | None, after: str | None) -> None:
        rows.append(
            {
                "at": at,
                "login": login,
                "table_name": obj.__tablename__,
                "record_id": _record_id(obj),
                "action": action,
                "before": before,
                "after": after,
            }
        )

    # Sorted so that the same change writes the same rows in the same order (sets of
    # objects follow memory addresses).
    for obj in _ordered(session.new):
        if not isinstance(obj, UNTRACKED):
            add(obj, "insert", None, _dump(_columns(obj)))
    for obj in _ordered(session.dirty):
        if isinstance(obj, UNTRACKED) or not session.is_modified(obj):
            continue
        before, after = _changes(obj)
        if after:
            add(obj, "update", _dump(before), _dump(after))
    for obj in _ordered(session.deleted):
        if not isinstance(obj, UNTRACKED):
            add(obj, "delete", _dump(_columns(obj)), None)
    if rows:
        session.execute(insert(History), rows)


def record(
    session: OrmSession, table: str, record_id: str, action: str, summary: dict[str, Any]
) -> None:
    """A history row for work done in bulk (imports), where one row per record would drown."""
    session.execute(
        insert(History),
        [
            {
                "at": now(),
                "login": session.info.get("login", "system"),
                "table_name": table,
                "record_id": record_id[:40],
                "action": action,
                "before": None,
                "after": _dump(summary),
            }
        ],
    )
