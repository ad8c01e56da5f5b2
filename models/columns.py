"""Model attributes as the columns of a query, typed for the type checker.

SQLModel declares a field as its Python value (``Dossier.id: int | None``), so the type
checker does not see a column in ``select(Dossier.id)``; ``sqlmodel.col`` gives it one.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Mapped


def pk(column: int | None) -> Mapped[int]:
    """A primary key as a column of a query: ``int``, not ``int | None``.

    The model types ``id`` as optional because a new object has none until it is flushed;
    a row read from the table always has one. The cast is the whole point: nothing changes
    at run time (the attribute is the mapped column itself).
    """
    return cast("Mapped[int]", column)
