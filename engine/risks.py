"""Customer risk codes (docs/RULES.md): the company's own list, which scenario steps give to
customers. Managers add and remove codes; a code still given to a customer or by a scenario
step cannot be removed (the refusal names who uses it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.access import require_manager
from engine.context import Ctx
from engine.errors import NotFound, UserError
from engine.i18n import _, ngettext
from engine.parsing import check_text
from engine.scenario_admin import add_risk_code, risk_codes
from engine.scenarios import lookup_risk
from models.tables import Customer, RiskCode, Scenario, ScenarioStep

Row = dict[str, Any]
SHOWN = 5  # customers named in a refusal; the rest are counted


def risk_rows(session: Session) -> list[Row]:
    """The codes in their order: ``code, label, used`` (customers holding the code plus
    scenario steps giving it)."""
    customers = dict(
        session.execute(
            select(Customer.risk_code, func.count())
            .where(col(Customer.risk_code).is_not(None))
            .group_by(Customer.risk_code)
        ).all()
    )
    steps = dict(
        session.execute(
            select(ScenarioStep.risk, func.count())
            .where(col(ScenarioStep.risk).is_not(None))
            .group_by(ScenarioStep.risk)
        ).all()
    )
    return [
        {
            "code": r["code"],
            "label": r["label"],
            "used": customers.get(r["code"], 0) + steps.get(r["code"], 0),
        }
        for r in risk_codes(session)
    ]


def add_risk(ctx: Ctx, code: str, label: str = "") -> Row:
    """A new code at the end of the list (managers); a code already there in any case is
    refused."""
    require_manager(ctx.actor)  # before anything else: no hint about the codes to others
    check_text(code, _("risk code"), None, plain=True)  # the lengths: add_risk_code
    check_text(label, _("label"), None, plain=True)
    row = add_risk_code(ctx, code, label)
    return {"code": row["code"], "label": row["label"], "used": 0}


def find_risk(session: Session, code: str) -> RiskCode:
    found = lookup_risk(session, code)
    if found is None:
        known = ", ".join(r["code"] for r in risk_codes(session))
        raise NotFound(
            _("Unknown risk code {code!r}: expected one of {codes}.").format(code=code, codes=known)
        )
    return found


def remove_risk(ctx: Ctx, code: str) -> Row:
    """Remove a code nobody uses (managers)."""
    require_manager(ctx.actor)
    risk = find_risk(ctx.session, code)
    users: list[str] = []
    customers = list(
        ctx.session.exec(
            select(Customer.code)
            .where(Customer.risk_code == risk.code)
            .order_by(col(Customer.code))
        )
    )
    if customers:
        shown = ", ".join(customers[:SHOWN])
        if len(customers) > SHOWN:
            shown += " " + _("and {n} more").format(n=len(customers) - SHOWN)
        users.append(
            ngettext("customer {codes}", "customers {codes}", len(customers)).format(codes=shown)
        )
    for name, position in ctx.session.execute(
        select(Scenario.name, ScenarioStep.position)
        .join(ScenarioStep, col(ScenarioStep.scenario_id) == Scenario.id)
        .where(ScenarioStep.risk == risk.code)
        .order_by(col(Scenario.name), col(ScenarioStep.position))
    ):
        users.append(_("scenario {name!r} step {step_no}").format(name=name, step_no=position))
    if users:
        raise UserError(
            _("Risk code {code!r} is in use and cannot be removed: {users}.").format(
                code=risk.code, users="; ".join(users)
            )
        )
    removed = {"code": risk.code, "label": risk.label, "used": 0}
    ctx.session.delete(risk)
    ctx.session.flush()
    return removed
