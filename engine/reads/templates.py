"""The letter templates as the Templates screen shows them: one row per name and language
with the version in force and what the letter is for, and a preview of the letter a
template makes with a real dossier of the database (docs/LETTERS.md)."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlmodel import col, select

from engine.context import Ctx
from engine.documents.compose import compose_letter
from engine.documents.context import (
    LetterContext,
    customer_context,
    dossier_context,
    sample_context,
)
from engine.documents.plain import letter_text
from engine.documents.templates import TEMPLATE_KINDS, check_name, templates_in_force
from engine.errors import NotFound
from engine.i18n import N_, _
from models.states import DossierStatus
from models.tables import Customer, Dossier

# What each built-in letter is for (catalog ids: the screen translates them).
PURPOSES: dict[str, str] = {
    "avis_echeance": N_("preventive reminder"),
    "releve": N_("statement"),
    "notification": N_("opening notice"),
    "relance_1": N_("1st reminder"),
    "relance_2": N_("2nd reminder"),
    "mise_en_demeure": N_("formal notice (registered)"),
    "dernier_avis": N_("last notice before payment order"),
    "injonction": N_("payment-order request summary"),
}


class TemplateRow(TypedDict):
    name: str
    language: str
    version: int  # 0: the built-in text
    builtin: bool
    saved_at: dt.datetime | None
    saved_by: str
    purpose: str  # a catalog id (PURPOSES)
    kind: str  # "dossier" or "customer": what the letter is written from


class TemplatePreview(TypedDict):
    name: str
    language: str
    version: int
    text: str  # the letter as plain text (engine.documents.plain)
    dossier: str  # the dossier it was rendered with, "" for the sample
    customer: str  # that dossier's customer's name (data: shown inert)
    sample: bool  # no dossier in the database: the sample placeholders


def template_rows(ctx: Ctx) -> list[TemplateRow]:
    """Every template (name × language) with the version in force."""
    return [
        TemplateRow(
            name=t.name,
            language=t.language,
            version=t.version,
            builtin=t.builtin,
            saved_at=t.saved_at,
            saved_by=t.saved_by,
            purpose=PURPOSES.get(t.name, ""),
            kind=TEMPLATE_KINDS[t.name],
        )
        for t in templates_in_force(ctx.session)
    ]


def preview_dossier(ctx: Ctx, number: str | None = None) -> Dossier | None:
    """The dossier ``number`` (NotFound when there is none), or without a number the first
    open dossier, else the first dossier at all; None when the database has none."""
    if number is not None:
        number = number.strip().upper()
        dossier = ctx.session.exec(select(Dossier).where(col(Dossier.number) == number)).first()
        if dossier is None:
            raise NotFound(_("No dossier numbered {number!r}.").format(number=number))
        return dossier
    for query in (
        select(Dossier).where(col(Dossier.status) == DossierStatus.OPEN.value),
        select(Dossier),
    ):
        dossier = ctx.session.exec(query.order_by(col(Dossier.number)).limit(1)).first()
        if dossier is not None:
            return dossier
    return None


def template_preview(
    ctx: Ctx, name: str, language: str, number: str | None = None
) -> TemplatePreview:
    """The letter the template in force makes on the business day with the dossier
    ``number`` (else the first open dossier): a dossier's letter from the dossier, a
    customer's letter (preventive reminder, statement) from that dossier's customer; with
    no dossier in the database, the sample placeholders. A template that does not render
    is a RenderError (UserError) naming the line."""
    check_name(name)
    dossier = preview_dossier(ctx, number)
    context: LetterContext
    if dossier is None or dossier.id is None:
        context = sample_context(language, TEMPLATE_KINDS[name])
        shown, customer = "", ""
    else:
        if TEMPLATE_KINDS[name] == "dossier":
            context = dossier_context(ctx, dossier.id, ctx.today, language)
        else:
            context = customer_context(ctx, dossier.customer_id, ctx.today, language)
        owner = ctx.session.get(Customer, dossier.customer_id)
        shown, customer = dossier.number, owner.name if owner is not None else ""
    letter, version = compose_letter(ctx, name, language, context)
    return TemplatePreview(
        name=name,
        language=language,
        version=version,
        text=letter_text(letter),
        dossier=shown,
        customer=customer,
        sample=dossier is None,
    )
