"""What a scenario step does when its intervention is marked done (docs/RULES.md).

Every charge carries a ``source_key`` naming why it exists, so applying a step twice
creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import Session, col, select

from engine.balances import open_amounts_on, principal_on, refresh_dossiers
from engine.context import Ctx
from engine.i18n import N_, gettext_in
from engine.penalties import penalty_increment
from models.tables import Customer, Dossier, DossierEntry, Entry, Intervention, ScenarioStep
from models.types import to_money

CHARGE_JOURNAL = "REC"

# The labels of the charges go to the accounting: they are written in the company's
# document_language setting, whoever marks the step done.
PENALTY_LABEL = N_("Late-payment interest {ref} {start} → {end}")
INDEMNITY_LABEL = N_("Fixed recovery indemnity {ref}")
FEE_LABEL = N_("Collection fees: {step}")


def charge_label(language: str, label: str, **values: object) -> str:
    """One of the labels above in ``language``, filled in and cut to the column's width."""
    return gettext_in(language, label).format(**values)[:200]


def dossier_entries(session: Session, dossier_id: int, kinds: tuple[str, ...]) -> list[Entry]:
    return list(
        session.exec(
            select(Entry)
            .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
            .where(col(DossierEntry.dossier_id) == dossier_id, col(Entry.kind).in_(kinds))
            .order_by(col(Entry.due_date), col(Entry.id))
        )
    )


def _dossier_account(ctx: Ctx, dossier_id: int) -> str:
    invoices = dossier_entries(ctx.session, dossier_id, ("invoice",))
    return invoices[0].account if invoices else str(ctx.settings.customer_account_prefix)


def _add_charge(
    ctx: Ctx,
    dossier: Dossier,
    day: dt.date,
    kind: str,
    key: str,
    amount: Decimal,
    label: str,
    **extra: object,
) -> Entry | None:
    if ctx.session.exec(select(Entry.id).where(Entry.source_key == key)).first() is not None:
        return None  # already charged: never twice
    assert dossier.id is not None
    # On the customer's own account, so the accounting can letter it with the payments.
    account = extra.pop("account", None) or _dossier_account(ctx, dossier.id)
    entry = Entry(
        customer_id=dossier.customer_id,
        journal=CHARGE_JOURNAL,
        date=day,
        piece=dossier.number,
        account=str(account),
        label=label[:200],
        due_date=day,
        debit=amount,
        credit=Decimal("0.00"),
        kind=kind,
        source="collection",
        source_key=key,
        open_amount=amount,
        **extra,  # type: ignore[arg-type]
    )
    ctx.session.add(entry)
    ctx.session.flush()
    assert entry.id is not None
    ctx.session.add(DossierEntry(dossier_id=dossier.id, entry_id=entry.id))
    return entry


def charge_penalties(ctx: Ctx, dossier: Dossier, day: dt.date, intervention_id: int | None) -> None:
    """Late-payment interest increments and the fixed indemnity on the overdue invoices."""
    assert dossier.id is not None
    customer = ctx.session.get(Customer, dossier.customer_id)
    rates = ctx.rates()
    invoices = dossier_entries(ctx.session, dossier.id, ("invoice",))
    # The amount on day D (docs/RULES.md): a payment dated after D does not lower D's interest.
    open_on_day = open_amounts_on(ctx.session, [i.id for i in invoices if i.id is not None], day)
    for invoice in invoices:
        assert invoice.id is not None
        open_amount = open_on_day[invoice.id]
        if invoice.due_date is None or invoice.due_date >= day or open_amount <= 0:
            continue
        previous = list(
            ctx.session.exec(
                select(Entry)
                .where(Entry.invoice_id == invoice.id, Entry.kind == "penalty")
                .order_by(col(Entry.period_end))
            )
        )
        last = previous[-1] if previous else None
        increment = penalty_increment(
            open_amount,
            invoice.due_date,
            day,
            rates,
            last.period_end if last else None,
            (last.interest_exact or Decimal(0)) if last else Decimal(0),
            [p.debit for p in previous],
        )
        ref = invoice.invoice or invoice.piece
        language = ctx.settings.document_language
        if increment is not None:
            _add_charge(
                ctx,
                dossier,
                day,
                "penalty",
                f"penalty:{invoice.id}:{day.isoformat()}",
                increment.amount,
                charge_label(
                    language,
                    PENALTY_LABEL,
                    ref=ref,
                    start=increment.period_start.isoformat(),
                    end=increment.period_end.isoformat(),
                ),
                account=invoice.account,
                invoice=ref,
                invoice_id=invoice.id,
                period_start=increment.period_start,
                period_end=increment.period_end,
                interest_exact=increment.cumulative_exact,
                intervention_id=intervention_id,
            )
        indemnity = ctx.settings.indemnity_amount
        if customer is not None and not customer.consumer and indemnity > 0:
            _add_charge(
                ctx,
                dossier,
                day,
                "indemnity",
                f"indemnity:{invoice.id}",
                indemnity,
                charge_label(language, INDEMNITY_LABEL, ref=ref),
                account=invoice.account,
                invoice=ref,
                invoice_id=invoice.id,
                intervention_id=intervention_id,
            )


def apply_step(ctx: Ctx, dossier: Dossier, step: ScenarioStep, intervention: Intervention) -> None:
    assert dossier.id is not None and intervention.id is not None and intervention.done
    day = intervention.done
    if step.risk:
        customer = ctx.session.get(Customer, dossier.customer_id)
        if customer is not None and customer.risk_code != step.risk:
            customer.risk_code = step.risk
            customer.version += 1
    if step.penalties:
        charge_penalties(ctx, dossier, day, intervention.id)
    if step.fees:
        _add_charge(
            ctx,
            dossier,
            day,
            "fee",
            f"fee:{intervention.id}",
            step.fees,
            charge_label(ctx.settings.document_language, FEE_LABEL, step=step.name),
            intervention_id=intervention.id,
        )
    ctx.session.flush()
    refresh_dossiers(ctx.session, [dossier.id])
    ctx.session.refresh(dossier)
    if step.loss_percent is not None:
        # The provision replaces the previous one; it is a share of the principal on the
        # done date, not of today's (a payment dated later is already imported).
        principal = principal_on(ctx.session, dossier.id, day)
        dossier.provision = to_money(principal * step.loss_percent / 100)
    ctx.session.flush()
