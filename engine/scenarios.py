"""Scenarios: the built-in one from the seed, validation, TOML import and export."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tomli_w
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from engine.access import Actor, require_manager
from engine.errors import NotFound, UserError
from engine.i18n import _, ngettext
from engine.parsing import InvalidNumber, check_text, parse_amount, parse_percent
from models.tables import Dossier, Intervention, RiskCode, Scenario, ScenarioStep

MAX_NAME = 120  # column widths of Scenario and ScenarioStep
MAX_DESCRIPTION = 400
MAX_STEP_NAME = 120
MAX_TEMPLATE = 80
MAX_DELAY = 3650  # days (ten years): a step's date stays a date
# What a scenario file may hold, at the top and in each [[steps]] table.
SCENARIO_KEYS = ("name", "description", "steps")
STEP_KEYS = ("name", "delay", "type", "risk", "loss_percent", "penalties", "fees", "template")
STEP_TYPES = ("phone", "letter", "email", "registered_letter", "visit", "legal", "other")
BUILTIN_NAME = "Absence paiement - Recouv. amiable"
DEFAULT_RISK_CODES = (
    ("Normal", "Aucun risque particulier"),
    ("Surveillé", "Retards répétés"),
    ("Douteux", "Créance douteuse"),
    ("Insolvable", "Insolvable"),
    ("Contentieux", "Procédure judiciaire en cours"),
)


@dataclass
class StepSpec:
    name: str
    delay: int = 0
    type: str = "other"
    risk: str | None = None
    loss_percent: Decimal | None = None
    penalties: bool = False
    fees: Decimal | None = None
    template: str | None = None


@dataclass
class ScenarioSpec:
    name: str
    description: str = ""
    steps: list[StepSpec] = field(default_factory=list)


BUILTIN = ScenarioSpec(
    BUILTIN_NAME,
    "Scénario amiable du modèle Sage 100 : relances, LRAR, injonction de payer.",
    [
        StepSpec("Relance téléphonique", 0, "phone"),
        StepSpec("Notification d'ouverture de dossier", 0, "letter", template="notification"),
        StepSpec("Envoi 1ère relance", 5, "letter", template="relance_1"),
        StepSpec("Vérifier réception relance (Tel.)", 3, "phone"),
        StepSpec("Envoi 2nde relance", 5, "letter", template="relance_2"),
        StepSpec("Vérifier réception relance (Tel.)", 3, "phone"),
        StepSpec(
            "Courrier LRAR",
            7,
            "registered_letter",
            "Insolvable",
            Decimal("20"),
            True,
            Decimal("30.00"),
            "mise_en_demeure",
        ),
        StepSpec("Réception de l'accusé ?", 3, "other"),
        StepSpec("Relance Tel avant Injonction", 0, "phone"),
        StepSpec("Injonction de payer", 2, "legal", None, Decimal("60"), True, None, "injonction"),
    ],
)

COURTESY = ScenarioSpec(
    "Relance courtoise",
    "Petits retards de bons clients : un appel, un e-mail, un courrier.",
    [
        StepSpec("Appel de courtoisie", 0, "phone"),
        StepSpec("E-mail de rappel", 7, "email", template="relance_1"),
        StepSpec("Courrier de relance", 7, "letter", template="relance_2"),
    ],
)


def lookup_risk(session: Session, code: str) -> RiskCode | None:
    """The risk code ``code`` names, whatever its case (``insolvable`` is ``Insolvable``)."""
    wanted = code.strip()
    return (
        session.get(RiskCode, wanted)
        or session.exec(select(RiskCode).where(func.lower(RiskCode.code) == wanted.lower())).first()
    )


def _where(scenario: str, index: int) -> str:
    return _("scenario {name!r}, step {no}").format(name=scenario, no=index)


def validate_step(session: Session, scenario: str, index: int, raw: dict[str, Any]) -> StepSpec:
    """A step from loose values (TOML, a form), or a UserError naming the field and value."""
    where = _where(scenario, index)

    def fail(field_name: str, value: Any, expected: str) -> UserError:
        return UserError(
            _("{where}: {field} {value!r} is invalid: expected {expected}.").format(
                where=where, field=field_name, value=value, expected=expected
            )
        )

    def text(field_name: str, value: str, limit: int) -> str:
        if len(value) > limit:
            raise fail(field_name, value[:40] + "…", _("at most {n} characters").format(n=limit))
        try:
            return check_text(value, field_name, limit)
        except UserError as exc:
            raise UserError(f"{where}: {exc.message}") from None

    for key, value in raw.items():
        if isinstance(value, float) and math.isfinite(value) and key in ("fees", "loss_percent"):
            raise UserError(
                _(
                    "{where}: {field} = {value!r} is a TOML float, which is not exact: expected "
                    'the number in quotes, such as {field} = "{text}".'
                ).format(where=where, field=key, value=value, text=f"{value:.2f}")
            )
    name = text("name", str(raw.get("name", "")).strip(), MAX_STEP_NAME)
    if not name:
        raise UserError(_("{where}: a step needs a name.").format(where=where))
    delay = raw.get("delay", 0)
    try:
        if isinstance(delay, bool | float):
            raise ValueError
        delay_int = int(str(delay).strip())
        if str(delay_int) != str(delay).strip() or not 0 <= delay_int <= MAX_DELAY:
            raise ValueError
    except ValueError:
        raise fail(
            "delay", delay, _("a whole number of days from 0 to {n}").format(n=MAX_DELAY)
        ) from None
    step_type = str(raw.get("type", "other")).strip() or "other"
    if step_type not in STEP_TYPES:
        raise fail("type", step_type, ", ".join(STEP_TYPES))
    risk = raw.get("risk") or None
    if risk is not None and not isinstance(risk, str):
        raise fail("risk", risk, _("a risk code as text"))
    if risk is not None:
        risk = text("risk", risk, 40)
    if risk is not None:
        found = lookup_risk(session, risk)
        if found is None:
            known = ", ".join(session.exec(select(RiskCode.code).order_by(col(RiskCode.position))))
            raise fail("risk", risk, _("a known risk code ({codes})").format(codes=known))
        risk = found.code  # as the company wrote it: "insolvable" is "Insolvable"
    loss: Decimal | None = None
    if raw.get("loss_percent") not in (None, ""):
        try:
            loss = parse_percent(raw["loss_percent"], "loss_percent")
        except InvalidNumber as exc:
            raise fail("loss_percent", raw["loss_percent"], exc.expected) from None
    fees: Decimal | None = None
    if raw.get("fees") not in (None, ""):
        try:
            fees = parse_amount(raw["fees"], "fees", minimum=Decimal(0))
        except InvalidNumber as exc:
            raise fail("fees", raw["fees"], exc.expected) from None
    penalties = raw.get("penalties", False)
    if not isinstance(penalties, bool):
        raise fail("penalties", penalties, _("true or false"))
    template = text("template", str(raw.get("template") or "").strip(), MAX_TEMPLATE) or None
    return StepSpec(name, delay_int, step_type, risk, loss, penalties, fees, template)


def find_scenario(session: Session, name: str) -> Scenario:
    scenario = session.exec(select(Scenario).where(Scenario.name == name)).first()
    if scenario is None:
        known = ", ".join(session.exec(select(Scenario.name).order_by(Scenario.name)))
        raise NotFound(
            _("Unknown scenario {name!r}: expected one of: {known}.").format(name=name, known=known)
        )
    return scenario


def steps_of(session: Session, scenario_id: int) -> list[ScenarioStep]:
    return list(
        session.exec(
            select(ScenarioStep)
            .where(ScenarioStep.scenario_id == scenario_id)
            .order_by(col(ScenarioStep.position))
        )
    )


def _same_steps(stored: list[ScenarioStep], steps: list[StepSpec]) -> bool:
    def fields(step: ScenarioStep | StepSpec) -> tuple[object, ...]:
        return (
            step.name,
            step.delay,
            step.type,
            step.risk or None,
            step.loss_percent,
            bool(step.penalties),
            step.fees,
            step.template or None,
        )

    return len(stored) == len(steps) and all(
        fields(old) == fields(new) for old, new in zip(stored, steps, strict=True)
    )


def _current_positions(session: Session, scenario_id: int) -> dict[int, int]:
    """Step number -> how many open (not closed) dossiers have their current to-do there."""
    rows = session.execute(
        select(Intervention.step_no, func.count())
        .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
        .where(
            Intervention.scenario_id == scenario_id,
            Intervention.status == "todo",
            col(Intervention.step_no).is_not(None),
            Dossier.status != "closed",
        )
        .group_by(col(Intervention.step_no))
    ).all()
    return {int(step_no): int(count) for step_no, count in rows}


def _check_replacement(
    spec: ScenarioSpec, stored: list[ScenarioStep], current: dict[int, int]
) -> None:
    """Refuse steps that would leave open dossiers at a step that is gone or another one.

    A dossier's current to-do points at a step by its number: removing steps past it loses
    it, and renaming the step at its number (an insert, a removal or a reorder before it
    does that too) would silently move it to another step. Other fields may change."""
    beyond = sum(count for no, count in current.items() if no > len(spec.steps))
    if beyond:
        raise UserError(
            ngettext(
                "Scenario {name!r} cannot lose its steps after {count}: {n} open dossier is "
                "at one of them. Move it to another step first.",
                "Scenario {name!r} cannot lose its steps after {count}: {n} open dossiers are "
                "at one of them. Move them to another step first.",
                beyond,
            ).format(name=spec.name, count=len(spec.steps), n=beyond)
        )
    names = {step.position: step.name for step in stored}
    problems = [
        ngettext(
            "step {no} {old!r} would become {new!r} while {n} open dossier is at it",
            "step {no} {old!r} would become {new!r} while {n} open dossiers are at it",
            count,
        ).format(no=no, old=names.get(no, ""), new=spec.steps[no - 1].name, n=count)
        for no, count in sorted(current.items())
        if names.get(no) != spec.steps[no - 1].name
    ]
    if problems:
        raise UserError(
            _(
                "Scenario {name!r} cannot be replaced: {problems}. Renaming, inserting, "
                "removing or reordering steps would move those dossiers to another step: keep "
                "those steps in place or move the dossiers first."
            ).format(name=spec.name, problems="; ".join(problems))
        )


def save_scenario(
    session: Session, spec: ScenarioSpec, *, actor: Actor | None, builtin: bool = False
) -> Scenario:
    """Create the scenario or replace its steps (managers only; ``actor`` None is the
    system installing its defaults).

    Refused while open dossiers would break (see :func:`_check_replacement`). Saving what
    is already stored writes nothing: no new steps, no version, no history.
    """
    return _save(session, spec, actor, builtin)[0]


def _save(
    session: Session, spec: ScenarioSpec, actor: Actor | None, builtin: bool
) -> tuple[Scenario, bool]:
    """:func:`save_scenario`, and whether anything was written."""
    if actor is not None:
        require_manager(actor)
    if not spec.name.strip():
        raise UserError(_("A scenario needs a name."))
    check_text(spec.name, _("scenario name"), MAX_NAME)
    if not spec.steps:
        raise UserError(_("Scenario {name!r} has no steps.").format(name=spec.name))
    if len(spec.description) > MAX_DESCRIPTION:
        raise UserError(
            _("Scenario {name!r}: the description is longer than {n} characters.").format(
                name=spec.name, n=MAX_DESCRIPTION
            )
        )
    check_text(spec.description, _("scenario description"), MAX_DESCRIPTION)
    scenario = session.exec(select(Scenario).where(Scenario.name == spec.name)).first()
    if scenario is None:
        scenario = Scenario(name=spec.name, description=spec.description, builtin=builtin)
        session.add(scenario)
        session.flush()
    else:
        assert scenario.id is not None
        stored = steps_of(session, scenario.id)
        if scenario.description == spec.description and _same_steps(stored, spec.steps):
            return scenario, False
        _check_replacement(spec, stored, _current_positions(session, scenario.id))
        scenario.description = spec.description
        scenario.version += 1
        session.execute(delete(ScenarioStep).where(col(ScenarioStep.scenario_id) == scenario.id))
    assert scenario.id is not None
    for position, step in enumerate(spec.steps, start=1):
        session.add(
            ScenarioStep(
                scenario_id=scenario.id,
                position=position,
                name=step.name,
                delay=step.delay,
                type=step.type,
                risk=step.risk,
                loss_percent=step.loss_percent,
                penalties=step.penalties,
                fees=step.fees,
                template=step.template,
            )
        )
    session.flush()
    return scenario, True


def import_scenario(
    session: Session, text: str, source: str, *, actor: Actor | None
) -> tuple[ScenarioSpec, bool]:
    """``scenario import``: the manager check first, then the TOML, then the save. Returns
    the scenario read and whether anything was written (False: identical to the stored one).
    """
    if actor is not None:
        require_manager(actor)
    spec = parse_toml(session, text, source)
    return spec, _save(session, spec, actor, builtin=False)[1]


def parse_toml(session: Session, text: str, source: str = "TOML") -> ScenarioSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            _("{source} is not valid TOML: {error}.").format(source=source, error=exc)
        ) from exc
    _known_keys(source, data, SCENARIO_KEYS, None)
    name = data.get("name", "")
    description = data.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise UserError(
                _("{source}: {key} {value!r} is invalid: expected text in quotes.").format(
                    source=source, key=key, value=value
                )
            )
    name = name.strip()
    if not name:
        raise UserError(_('{source}: the scenario needs a name = "…" line.').format(source=source))
    if len(name) > MAX_NAME:
        raise UserError(
            _(
                "{source}: the scenario name is {length} characters long: expected at most {n}."
            ).format(source=source, length=len(name), n=MAX_NAME)
        )
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise UserError(_("{source}: expected at least one [[steps]] table.").format(source=source))
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            raise UserError(
                _("{source}: step {no} is not a table: expected [[steps]] tables.").format(
                    source=source, no=index
                )
            )
        _known_keys(source, raw, STEP_KEYS, index)
    steps = [validate_step(session, name, i, raw) for i, raw in enumerate(raw_steps, start=1)]
    return ScenarioSpec(name, description, steps)


def _known_keys(
    source: str, data: dict[str, Any], known: tuple[str, ...], step: int | None
) -> None:
    """Refuse keys a scenario file may not hold: a typo (``fee`` for ``fees``) would
    otherwise be dropped without a word."""
    unknown = [key for key in data if key not in known]
    if not unknown:
        return
    where = source if step is None else _("{source}, step {no}").format(source=source, no=step)
    raise UserError(
        ngettext(
            "{where}: unknown key {keys}: expected {known}.",
            "{where}: unknown keys {keys}: expected {known}.",
            len(unknown),
        ).format(where=where, keys=", ".join(unknown), known=", ".join(known))
    )


def export_toml(session: Session, name: str) -> str:
    scenario = find_scenario(session, name)
    assert scenario.id is not None
    data: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        data["description"] = scenario.description
    steps = []
    for step in steps_of(session, scenario.id):
        item: dict[str, Any] = {"name": step.name, "delay": step.delay, "type": step.type}
        if step.risk:
            item["risk"] = step.risk
        if step.loss_percent is not None:
            item["loss_percent"] = format(step.loss_percent, "f")
        if step.penalties:
            item["penalties"] = True
        if step.fees is not None:
            item["fees"] = format(step.fees, "f")
        if step.template:
            item["template"] = step.template
        steps.append(item)
    data["steps"] = steps
    return tomli_w.dumps(data)


def install_defaults(session: Session) -> None:
    """The default risk codes on a new database, and the built-in scenario when missing
    (``init`` runs it every time; a risk code a manager removed stays removed)."""
    if session.exec(select(RiskCode.code).limit(1)).first() is None:
        for position, (code, label) in enumerate(DEFAULT_RISK_CODES):
            session.add(RiskCode(code=code, label=label, position=position))
    session.flush()
    if session.exec(select(Scenario).where(Scenario.name == BUILTIN_NAME)).first() is None:
        labels = dict(DEFAULT_RISK_CODES)
        for step in BUILTIN.steps:  # the codes it gives back, if a manager removed them
            if step.risk and session.get(RiskCode, step.risk) is None:
                session.add(RiskCode(code=step.risk, label=labels.get(step.risk, step.risk)))
        session.flush()
        save_scenario(session, BUILTIN, actor=None, builtin=True)
