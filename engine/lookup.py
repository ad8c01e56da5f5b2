"""Find a dossier or a customer from a few typed characters (the TUI's palette)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from engine.dossiers import normalize_number
from models.tables import Customer, Dossier

LIMIT = 8


def find_targets(session: Any, text: str) -> list[tuple[str, str, str]]:
    """(kind, key, label) of dossiers and customers matching ``text`` (a few of each)."""
    pattern = f"%{text.strip()}%"
    dossiers = session.execute(
        select(Dossier.number, Customer.code, Customer.name)
        .join(Customer, Customer.id == Dossier.customer_id)
        .where(
            or_(
                Dossier.number == normalize_number(text),
                Dossier.number.ilike(pattern),  # type: ignore[attr-defined]
                Customer.code.ilike(pattern),  # type: ignore[attr-defined]
                Customer.name.ilike(pattern),  # type: ignore[attr-defined]
            )
        )
        .order_by(Dossier.number.desc())  # type: ignore[attr-defined]
        .limit(LIMIT)
    ).all()
    customers = session.execute(
        select(Customer.code, Customer.name)
        .where(or_(Customer.code.ilike(pattern), Customer.name.ilike(pattern)))  # type: ignore[attr-defined]
        .order_by(Customer.code)
        .limit(LIMIT)
    ).all()
    return [("dossier", n, f"{n}  {c}  {name}") for n, c, name in dossiers] + [
        ("customer", c, f"{c}  {name}") for c, name in customers
    ]
