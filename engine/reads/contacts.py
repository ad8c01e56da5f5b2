"""A customer's contacts as the command line and the customer screen show them."""

from __future__ import annotations

from typing import TypedDict

from sqlmodel import Session, col, select

from engine.dossiers import find_customer
from models.tables import Contact


class ContactRow(TypedDict):
    id: int
    customer: str
    name: str
    role: str
    email: str
    phone: str
    address: str  # lines separated by line breaks
    version: int


def contact_row(contact: Contact, customer_code: str) -> ContactRow:
    assert contact.id is not None
    return {
        "id": contact.id,
        "customer": customer_code,
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
        "address": contact.address,
        "version": contact.version,
    }


def contact_rows(session: Session, customer_code: str) -> list[ContactRow]:
    """The customer's contacts in the order they were added; NotFound names an unknown code."""
    customer = find_customer(session, customer_code)
    contacts = session.exec(
        select(Contact).where(Contact.customer_id == customer.id).order_by(col(Contact.id))
    )
    return [contact_row(c, customer.code) for c in contacts]
