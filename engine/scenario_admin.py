"""Scenario management for managers: create, duplicate, rename and delete scenarios, move
the dossiers of one scenario to another, edit the steps, and keep the list of risk codes.

Every change goes through :func:`engine.scenarios.save_scenario` for the steps, so the
guards that protect open dossiers apply here too. Interventions keep a copy of their step's
name and type, so editing a scenario never rewrites interventions already done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from engine.access import require_manager
from engine.context import Ctx
from engine.dossiers import OPEN_STATES, move_to_step
from engine.errors import Conflict, UserError
from engine.history import record
from engine.i18n import _, ngettext
from engine.scenarios import (
    MAX_DESCRIPTION,
    MAX_STEP_NAME,
    ScenarioSpec,
    StepSpec,
    _current_positions,
    find_scenario,
    save_scenario,
    steps_of,
    validate_step,
)
from models.tables import Dossier, Intervention, RiskCode, Scenario, ScenarioStep

Row = dict[str, Any]
MAX_NAME = 120  # Scenario.name
MAX_RISK_CODE = 40  # RiskCode.code
MAX_RISK_LABEL = 120
# The fields of a step as forms and TOML files give them (engine.scenarios.validate_step).
STEP_FIELDS = ("name", "delay", "type", "risk", "loss_percent", "penalties", "fees", "template")


class ScenarioInUse(UserError):
    """Open or paused dossiers follow the scenario: move them before deleting it."""

    def __init__(self, message: str, name: str, count: int) -> None:
        super().__init__(message)
        self.name = name
        self.count = count


class StepInvalid(UserError):
    """One step does not validate: ``step_no`` (1-based) and ``field`` say where."""

    def __init__(self, message: str, step_no: int, field: str) -> None:
        super().__init__(message)
        self.step_no = step_no
        self.field = field


# -- reading


def _label(name: str) -> str:
    return _("Scenario {name!r}").format(name=name)


def open_dossier_count(session: Session, scenario_id: int) -> int:
    """Dossiers still following the scenario (open or paused)."""
    return int(
        session.execute(
            select(func.count()).where(
                Dossier.scenario_id == scenario_id, col(Dossier.status).in_(OPEN_STATES)
            )
        ).scalar_one()
    )


def step_row(step: ScenarioStep | StepSpec, position: int, dossiers: int = 0) -> Row:
    """A step as plain values; percentages and fees as strings, as people type them."""
    return {
        "step_no": position,
        "name": step.name,
        "delay": step.delay,
        "type": step.type,
        "risk": step.risk,
        "loss_percent": None if step.loss_percent is None else format(step.loss_percent, "f"),
        "penalties": bool(step.penalties),
        "fees": None if step.fees is None else format(step.fees, "f"),
        "template": step.template,
        "dossiers": dossiers,  # open dossiers whose current to-do is this step
    }


def scenario_detail(session: Session, name: str) -> Row:
    """One scenario with its steps and version, for the editor."""
    scenario = find_scenario(session, name)
    assert scenario.id is not None
    here = _current_positions(session, scenario.id)
    return {
        "name": scenario.name,
        "description": scenario.description,
        "builtin": scenario.builtin,
        "version": scenario.version,
        "open_dossiers": open_dossier_count(session, scenario.id),
        "steps": [
            step_row(s, s.position, here.get(s.position, 0)) for s in steps_of(session, scenario.id)
        ],
    }


def risk_codes(session: Session) -> list[Row]:
    """The risk codes a step may give a customer, in their order."""
    return [
        {"code": r.code, "label": r.label, "position": r.position}
        for r in session.exec(select(RiskCode).order_by(col(RiskCode.position), col(RiskCode.code)))
    ]


def add_risk_code(ctx: Ctx, code: str, label: str = "") -> Row:
    """A new risk code at the end of the list (managers only)."""
    require_manager(ctx.actor)
    code, label = code.strip(), label.strip()
    if not code:
        raise UserError(_("A risk code cannot be empty."))
    if len(code) > MAX_RISK_CODE:
        raise UserError(
            _("Risk code {code!r} is too long: expected at most {n} characters.").format(
                code=code, n=MAX_RISK_CODE
            )
        )
    if len(label) > MAX_RISK_LABEL:
        raise UserError(
            _("Label {label!r} is too long: expected at most {n} characters.").format(
                label=label, n=MAX_RISK_LABEL
            )
        )
    # Codes differing only by case would read as the same code on screen and in letters.
    existing = ctx.session.exec(
        select(RiskCode.code).where(func.lower(RiskCode.code) == code.lower())
    ).first()
    if existing is not None:
        raise UserError(
            _("Risk code {code!r} already exists (as {existing!r}).").format(
                code=code, existing=existing
            )
        )
    last = ctx.session.execute(select(func.max(RiskCode.position))).scalar_one()
    ctx.session.add(RiskCode(code=code, label=label or code, position=(last or 0) + 1))
    ctx.session.flush()
    return {"code": code, "label": label or code, "position": (last or 0) + 1}


# -- scenarios


def _new_name(session: Session, name: str) -> str:
    """A name free for a new scenario, or a refusal naming it."""
    name = name.strip()
    if not name:
        raise UserError(_("A scenario needs a name."))
    if len(name) > MAX_NAME:
        raise UserError(
            _("Scenario name {name!r} is too long: expected at most {n} characters.").format(
                name=name, n=MAX_NAME
            )
        )
    if session.exec(select(Scenario.id).where(Scenario.name == name)).first() is not None:
        raise UserError(
            _("Scenario {name!r} already exists: expected a new name.").format(name=name)
        )
    return name


def _locked(session: Session, name: str, expected_version: int | None) -> Scenario:
    """The scenario, its row locked for the change (PostgreSQL), or a Conflict when someone
    saved it since ``expected_version`` was read."""
    find_scenario(session, name)  # the refusal naming the known scenarios
    scenario = session.exec(
        select(Scenario)
        .where(Scenario.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if expected_version is not None and scenario.version != expected_version:
        raise Conflict(
            _(
                "{label} was changed by someone else since you opened it: your change is "
                "refused and theirs is kept. Reload and try again."
            ).format(label=_label(name))
        )
    return scenario


def create_scenario(
    ctx: Ctx, name: str, description: str = "", steps: list[dict[str, Any]] | None = None
) -> Row:
    """A new scenario; without steps it starts with one phone reminder at delay 0 (a scenario
    always has at least one step)."""
    require_manager(ctx.actor)
    name = _new_name(ctx.session, name)
    if steps is None:
        specs = [StepSpec(_("Phone reminder"), 0, "phone")]
    else:
        specs = check_steps(ctx.session, name, steps)
    save_scenario(ctx.session, ScenarioSpec(name, description, specs), actor=ctx.actor)
    return scenario_detail(ctx.session, name)


def duplicate_scenario(ctx: Ctx, name: str, new_name: str) -> Row:
    """A copy of the scenario's description and steps under a new name."""
    require_manager(ctx.actor)
    source = find_scenario(ctx.session, name)
    assert source.id is not None
    new_name = _new_name(ctx.session, new_name)
    steps = [
        StepSpec(s.name, s.delay, s.type, s.risk, s.loss_percent, s.penalties, s.fees, s.template)
        for s in steps_of(ctx.session, source.id)
    ]
    spec = ScenarioSpec(new_name, source.description, steps)
    save_scenario(ctx.session, spec, actor=ctx.actor)
    return scenario_detail(ctx.session, new_name)


def rename_scenario(ctx: Ctx, name: str, new_name: str, expected_version: int | None = None) -> Row:
    """The same scenario under another name; its dossiers follow it (they point at its id)."""
    require_manager(ctx.actor)
    scenario = _locked(ctx.session, name, expected_version)
    if new_name.strip() == scenario.name:
        return scenario_detail(ctx.session, name)  # nothing changes: nothing is written
    scenario.name = _new_name(ctx.session, new_name)
    scenario.version += 1
    ctx.session.flush()
    return scenario_detail(ctx.session, scenario.name)


def delete_scenario(ctx: Ctx, name: str, expected_version: int | None = None) -> None:
    """Delete a scenario no open or paused dossier follows.

    Closed dossiers and past interventions that followed it keep their step names and
    dates; only their link to the scenario goes (one history row says so)."""
    require_manager(ctx.actor)
    session = ctx.session
    scenario = _locked(session, name, expected_version)
    assert scenario.id is not None
    count = open_dossier_count(session, scenario.id)
    if count:
        raise ScenarioInUse(
            ngettext(
                "Scenario {name!r} cannot be deleted: {n} open or paused dossier follows it. "
                "Move it to another scenario first.",
                "Scenario {name!r} cannot be deleted: {n} open or paused dossiers follow it. "
                "Move them to another scenario first.",
                count,
            ).format(name=name, n=count),
            name,
            count,
        )
    # Bulk updates: a scenario of the large demo has tens of thousands of interventions.
    closed = session.execute(
        update(Dossier)
        .where(col(Dossier.scenario_id) == scenario.id)
        .values(scenario_id=None, version=Dossier.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    past = session.execute(
        update(Intervention)
        .where(col(Intervention.scenario_id) == scenario.id)
        .values(scenario_id=None, version=Intervention.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if closed or past:
        record(
            session,
            "scenario",
            str(scenario.id),
            "unlink",
            {"scenario": name, "closed_dossiers": closed, "interventions": past},
        )
    for step in steps_of(session, scenario.id):
        session.delete(step)
    session.flush()
    session.delete(scenario)
    session.flush()


def move_dossiers(
    ctx: Ctx,
    from_name: str,
    to_name: str,
    step_no: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Move every open or paused dossier of one scenario to a step of another, planned from
    today. Returns the numbers moved; ``progress(done, total)`` hears every 100 moves."""
    require_manager(ctx.actor)
    source = find_scenario(ctx.session, from_name)
    target = find_scenario(ctx.session, to_name)
    if source.id == target.id:
        raise UserError(
            _(
                "Dossiers of {name!r} cannot move to the same scenario: expected another one."
            ).format(name=from_name)
        )
    assert target.id is not None
    count = len(steps_of(ctx.session, target.id))
    if not 1 <= step_no <= count:
        raise UserError(
            _("Step {no} does not exist: expected a step number from 1 to {count}.").format(
                no=step_no, count=count
            )
        )
    numbers = list(
        ctx.session.exec(
            select(Dossier.number)
            .where(Dossier.scenario_id == source.id, col(Dossier.status).in_(OPEN_STATES))
            .order_by(col(Dossier.number))
        )
    )
    for done, number in enumerate(numbers, 1):
        move_to_step(ctx, number, step_no, ctx.today, scenario_name=target.name)
        if progress is not None and (done % 100 == 0 or done == len(numbers)):
            progress(done, len(numbers))
    return numbers


# -- steps


def _failing_field(session: Session, scenario: str, index: int, raw: dict[str, Any]) -> str:
    """Which field of a step that does not validate is wrong (the first one in the form)."""
    name = raw.get("name")
    if not str(name or "").strip() or len(str(name).strip()) > MAX_STEP_NAME:
        return "name"
    for field in STEP_FIELDS[1:]:
        if field not in raw:
            continue
        try:
            validate_step(session, scenario, index, {"name": name, field: raw[field]})
        except UserError:
            return field
    return "name"


def check_steps(session: Session, scenario: str, steps: list[dict[str, Any]]) -> list[StepSpec]:
    """The steps validated one by one, or a StepInvalid naming the step, field and value."""
    if not steps:
        raise UserError(_("Scenario {name!r} has no steps.").format(name=scenario))
    specs = []
    for index, raw in enumerate(steps, start=1):
        try:
            specs.append(validate_step(session, scenario, index, raw))
        except UserError as exc:
            field = _failing_field(session, scenario, index, raw)
            raise StepInvalid(exc.message, index, field) from None
    return specs


def save_steps(
    ctx: Ctx,
    name: str,
    steps: list[dict[str, Any]],
    expected_version: int | None,
    description: str | None = None,
) -> Row:
    """Replace the steps of a scenario (and its description when given).

    Each step is validated (delay a whole number ≥ 0, 0 ≤ % ≤ 100, fees ≥ 0, a known risk
    code and type); save_scenario then refuses what would move open dossiers to another
    step. Saving what is stored writes nothing."""
    require_manager(ctx.actor)
    scenario = _locked(ctx.session, name, expected_version)
    specs = check_steps(ctx.session, name, steps)
    text = scenario.description if description is None else description
    if len(text) > MAX_DESCRIPTION:
        raise UserError(
            _("Scenario {name!r}: the description is longer than {n} characters.").format(
                name=name, n=MAX_DESCRIPTION
            )
        )
    save_scenario(ctx.session, ScenarioSpec(name, text, specs), actor=ctx.actor)
    return scenario_detail(ctx.session, name)
