"""What both flavours start from: the company's settings, its people (agents and an auditor)
and the second scenario, on a database that has no customers yet; and how a build tells its
progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from engine.access import Actor, add_user, authenticate, require_manager
from engine.errors import UserError
from engine.i18n import _
from engine.rates import add_demo_rates
from engine.scenarios import COURTESY, save_scenario
from engine.settings import set_setting
from models.tables import Customer

Progress = Callable[[str], None]

AGENTS = (
    ("mlefebvre", "Marie Lefebvre"),
    ("tgarnier", "Thomas Garnier"),
    ("sbenali", "Sofiane Benali"),
)
AUDITOR = ("cmoreau", "Claire Moreau")
COMPANY_NAME = "Morel Distribution SAS"
# The demo company's identity, so that its letters read as they would (valid check digits,
# a fictitious account).
COMPANY = {
    "company_name": COMPANY_NAME,
    "company_address": "14 avenue de la République\\n69003 Lyon",
    "company_siren": "732829320",
    "company_vat": "FR44732829320",
    "company_iban": "FR7630006000011234567890189",
    "company_bic": "AGRIFRPP",
    "company_phone": "04 72 00 00 00",
    "company_email": "recouvrement@morel-distribution.fr",
    "company_signatory": "Hélène Morel, directrice administrative et financière",
    "company_place": "Lyon",
}


def prepare(session: Session, login: str, today: dt.date) -> dict[str, Actor]:
    """Settings, people, the second scenario, and a rate for each half-year up to ``today``
    the table lacks (marked as a demo value); refuses a database that already has data."""
    session.info["login"] = login
    actor = authenticate(session, login)
    require_manager(actor)
    if session.exec(select(Customer.id).limit(1)).first() is not None:
        raise UserError(
            _(
                "This database already holds customers: the demo fills a new database only "
                "(run `recouvrement --db NEW_FILE init` first)."
            )
        )
    set_setting(session, "open_access", "true", actor)
    for key, value in COMPANY.items():
        set_setting(session, key, value, actor)
    for agent, name in AGENTS:
        if agent != login:
            add_user(session, actor, agent, "agent", name)
    if AUDITOR[0] != login:
        add_user(session, actor, AUDITOR[0], "auditor", AUDITOR[1])
    save_scenario(session, COURTESY, actor=actor)
    add_demo_rates(session, today)
    return {user: authenticate(session, user) for user in (login, *(a for a, _n in AGENTS))}
