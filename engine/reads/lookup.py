"""Find a dossier or a customer from a few typed characters (the TUI's palette): the same
folded search keys as the lists (case and accents ignored)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from engine.dossiers import normalize_number
from engine.reads.filters import LIKE_ESCAPE, key_pattern
from models.tables import Customer, Dossier

LIMIT = 8


def find_targets(session: Session, text: str) -> list[tuple[str, str, str]]:
    """(kind, key, label) of dossiers and customers matching ``text`` (a few of each)."""
    text = text.replace("\x00", "")  # no stored text holds NUL; the database refuses it
    pattern = key_pattern(text)
    number, code, name = col(Dossier.number), col(Customer.code), col(Customer.name)
    dossiers = session.execute(
        select(number, code, name)
        .join(Customer, col(Customer.id) == col(Dossier.customer_id))
        .where(
            or_(
                number == normalize_number(text),
                col(Dossier.search_key).like(pattern, escape=LIKE_ESCAPE),
            )
        )
        .order_by(number.desc())
        .limit(LIMIT)
    ).all()
    customers = session.execute(
        select(code, name)
        .where(col(Customer.search_key).like(pattern, escape=LIKE_ESCAPE))
        .order_by(code)
        .limit(LIMIT)
    ).all()
    return [("dossier", n, f"{n}  {c}  {label}") for n, c, label in dossiers] + [
        ("customer", c, f"{c}  {label}") for c, label in customers
    ]
