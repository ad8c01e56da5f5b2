"""Text limits: what a column can hold, the same on SQLite and PostgreSQL.

SQLite stores any text in any column; PostgreSQL refuses a value longer than its
``VARCHAR(n)`` and a NUL character in any text. Services check the texts people and files
give with :func:`engine.parsing.check_text`, naming the field as the person knows it; the
listener below is the safety net for every row the ORM writes: a text too long for its
column, or holding NUL, is refused before the database sees it, so both backends accept
exactly the same data. A last net refuses NUL in any query parameter (a value looked up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from engine.errors import UserError
from engine.i18n import _
from engine.parsing import check_text

SHOWN = 60  # characters of a value quoted in a message


def column_limit(column: Any) -> int | None:
    """The number of characters ``column`` holds: its VARCHAR length, or the limit in its
    ``info`` for a TEXT column people write into, or None (no limit: internal JSON)."""
    limit = column.info.get("max_length")
    if limit is not None:
        return int(limit)
    length = getattr(column.type, "length", None)  # String, and sqlmodel's AutoString
    if isinstance(length, int) and length > 0:
        return length
    return None


def field_limit(model: Any, name: str) -> int:
    """The limit of the text column ``model.name`` (``field_limit(Dossier, "reason")`` is
    200)."""
    limit = column_limit(model.__table__.columns[name])
    assert limit is not None, f"{model.__tablename__}.{name} has no limit"
    return limit


def check_row(obj: Any) -> None:
    """Refuse a row whose texts do not fit their columns (see the module's docstring)."""
    state = inspect(obj)
    table = state.mapper.local_table
    for attr in state.mapper.column_attrs:
        value = state.dict.get(attr.key)  # loaded values only: no query inside a flush
        if not isinstance(value, str):
            continue
        column = attr.columns[0]
        check_text(value, f"{table.name}.{column.name}", column_limit(column))


@event.listens_for(OrmSession, "before_flush")
def _check_texts(session: OrmSession, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        check_row(obj)


@event.listens_for(Engine, "before_cursor_execute")
def _no_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, many: bool
) -> None:
    """The last net, for values that are only looked up (a login, a customer code): a NUL
    in a query parameter is an error on PostgreSQL and a silent mismatch on SQLite."""
    rows = parameters if many and isinstance(parameters, list | tuple) else (parameters,)
    for row in rows:
        if isinstance(row, dict):
            values: Any = row.values()
        elif isinstance(row, list | tuple):
            values = row
        else:
            values = (row,)  # one flat batch of values (insertmanyvalues)
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                shown = value if len(value) <= SHOWN else value[:SHOWN] + "…"
                raise UserError(
                    _(
                        "The value {value!r} holds a NUL character (\\0): expected text without it."
                    ).format(value=shown)
                )
