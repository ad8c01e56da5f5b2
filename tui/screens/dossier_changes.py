"""Move a dossier (to a step, or to another scenario) and edit its fields: the same forms
and engine calls from the dossier detail and from the actions list. Exclude an entry: the
same change from the dossier detail's Entries tab and from the customer detail.

``data`` is engine.reads.dossier_page.dossier_page's dict; ``run`` runs an engine change in the
caller's worker and shows ``done`` when it succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import dossiers as dossier_service
from engine.context import Ctx
from engine.i18n import _
from tui.screens.base import Base
from tui.screens.forms import EditDossierForm, StepForm

Row = dict[str, Any]
Run = Callable[[Callable[[Ctx], Any], str], Any]


def ask_move(screen: Base, data: Row, run: Run) -> None:
    number, version, scenario = data["number"], data["version"], data["scenario"]
    if not data["scenarios"]:
        screen.rcv.notify(
            _("There is no scenario to move dossier {number} to.").format(number=number),
            severity="warning",
        )
        return

    def moved(result: Row) -> None:
        other = result["scenario"] if result["scenario"] != scenario else None
        done = (
            _("Dossier {number} moved to scenario {name}, step {no}.").format(
                number=number, name=other, no=result["step_no"]
            )
            if other
            else _("Dossier {number} moved to step {no}.").format(
                number=number, no=result["step_no"]
            )
        )
        run(
            lambda ctx: dossier_service.move_to_step(
                ctx,
                number,
                result["step_no"],
                result["day"],
                scenario_name=other,
                expected_version=version,
            ),
            done,
        )

    title = _("Move dossier {number} to a step or another scenario").format(number=number)
    form = StepForm(title, data["scenarios"], scenario, data["current_step"], screen.rcv.today)
    screen.ask(form, moved)


def ask_edit(screen: Base, data: Row, run: Run) -> None:
    number, version = data["number"], data["version"]

    def edited(result: Row) -> None:
        run(
            lambda ctx: dossier_service.update_dossier(
                ctx,
                number,
                version,
                reason=result["reason"],
                agent=result["agent"],
                main_contact_id=result["main_contact_id"],
                other_contact_ids=result["other_contact_ids"],
            ),
            _("Dossier {number} saved.").format(number=number),
        )

    screen.ask(EditDossierForm(data, data["agents"], data["contacts"]), edited)


def toggle_exclusion(entry: Row, run: Run) -> None:
    """Exclude ``entry`` (a dict with ``id`` and ``excluded``) from reminders and new
    dossiers (a disputed invoice), or bring it back; a dossier holding it keeps it."""
    from engine.customers import exclude_entry

    ident, excluded = entry["id"], not entry["excluded"]
    done = (
        _("Entry {id} excluded from reminders and new dossiers.")
        if excluded
        else _("Entry {id} is back in reminders and new dossiers.")
    )
    run(lambda ctx: exclude_entry(ctx, ident, excluded), done.format(id=ident))
