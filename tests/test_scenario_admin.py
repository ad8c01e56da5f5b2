"""Scenario management on both backends: create, duplicate, rename, delete, move dossiers,
edit steps (with each validation error), risk codes, and interventions done left alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import col, func, select

from engine.access import add_user
from engine.dossiers import close, find_dossier, open_dossier, pause
from engine.errors import Conflict, Forbidden, NotFound, UserError
from engine.interventions import mark_done
from engine.planning import current_todo
from engine.scenario_admin import (
    ScenarioInUse,
    StepInvalid,
    add_risk_code,
    create_scenario,
    delete_scenario,
    duplicate_scenario,
    move_dossiers,
    rename_scenario,
    risk_codes,
    save_steps,
    scenario_detail,
)
from engine.scenarios import BUILTIN_NAME, COURTESY, save_scenario
from models.tables import Dossier, History, Intervention, Scenario, ScenarioStep
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d

COURTESY_NAME = COURTESY.name


def seed(db: TestDB) -> None:
    """Three dossiers on the built-in scenario (one paused), one on the courtesy one;
    alice is an agent."""
    with db.ctx() as ctx:
        add_user(ctx.session, None, "alice", "agent", "Alice Martin")
        save_scenario(ctx.session, COURTESY, actor=None)
        for code, scenario in (
            ("CDUPONT", BUILTIN_NAME),
            ("CMARTIN", BUILTIN_NAME),
            ("CLEROY", BUILTIN_NAME),
            ("CNEUF", COURTESY_NAME),
        ):
            customer = add_customer(ctx.session, code, code.title())
            add_entry(ctx.session, customer, "invoice", "2026-01-02", "500.00", due="2026-02-01")
            open_dossier(ctx, code, scenario)
        pause(ctx, "D000002", d("2026-03-13"), "Promesse")


def detail(db: TestDB, name: str) -> dict[str, Any]:
    with db.session() as session:
        return scenario_detail(session, name)


def raw_steps(db: TestDB, name: str) -> list[dict[str, Any]]:
    """The stored steps as an editor holds them."""
    return [
        {k: v for k, v in step.items() if k not in ("step_no", "dossiers")}
        for step in detail(db, name)["steps"]
    ]


def history_count(db: TestDB) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(History)).scalar_one())


# -- create, duplicate, rename


def test_create_starts_with_one_phone_step_and_refuses_bad_names(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        created = create_scenario(ctx, "  Relance export  ", "Clients à l'étranger")
    assert created["name"] == "Relance export"
    assert created["version"] == 1
    assert created["open_dossiers"] == 0
    assert [(s["name"], s["delay"], s["type"]) for s in created["steps"]] == [
        ("Phone reminder", 0, "phone")
    ]
    with db.ctx() as ctx:
        with_steps = create_scenario(
            ctx,
            "Deux étapes",
            steps=[
                {"name": "Appel", "delay": "0", "type": "phone"},
                {"name": "Courrier", "delay": "7", "type": "letter"},
            ],
        )
    assert [s["name"] for s in with_steps["steps"]] == ["Appel", "Courrier"]
    for name, words in (
        ("Relance export", "'Relance export' already exists"),
        ("   ", "needs a name"),
        ("x" * 121, "at most 120 characters"),
    ):
        with pytest.raises(UserError, match=words), db.ctx() as ctx:
            create_scenario(ctx, name)
    with pytest.raises(StepInvalid, match="delay '-2'"), db.ctx() as ctx:
        create_scenario(ctx, "Mauvais", steps=[{"name": "A", "delay": "-2"}])
    with pytest.raises(Forbidden, match="Only a manager"), db.ctx(login="alice") as ctx:
        create_scenario(ctx, "Par alice")
    with db.session() as session:
        names = set(session.exec(select(Scenario.name)))
    assert names == {BUILTIN_NAME, COURTESY_NAME, "Relance export", "Deux étapes"}


def test_duplicate_copies_description_and_steps(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        copy = duplicate_scenario(ctx, BUILTIN_NAME, "Amiable bis")
    original = detail(db, BUILTIN_NAME)
    assert copy["description"] == original["description"]
    assert copy["open_dossiers"] == 0
    assert [{**s, "dossiers": 0} for s in copy["steps"]] == [
        {**s, "dossiers": 0} for s in original["steps"]
    ]
    assert copy["steps"][6]["risk"] == "Insolvable" and copy["steps"][6]["fees"] == "30.00"
    with pytest.raises(UserError, match="'Relance courtoise' already exists"), db.ctx() as ctx:
        duplicate_scenario(ctx, BUILTIN_NAME, COURTESY_NAME)
    with pytest.raises(NotFound, match="Unknown scenario 'Nope'"), db.ctx() as ctx:
        duplicate_scenario(ctx, "Nope", "Autre")
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        duplicate_scenario(ctx, BUILTIN_NAME, "Copie d'alice")


def test_rename_keeps_the_dossiers_and_refuses_a_stale_version(db: TestDB) -> None:
    seed(db)
    version = detail(db, COURTESY_NAME)["version"]
    with db.ctx() as ctx:
        renamed = rename_scenario(ctx, COURTESY_NAME, "Courtoisie", version)
    assert renamed["version"] == version + 1
    assert renamed["open_dossiers"] == 1
    with db.session() as session:
        dossier = find_dossier(session, "D000004")
        scenario = session.get(Scenario, dossier.scenario_id)
        assert scenario is not None and scenario.name == "Courtoisie"
    with pytest.raises(Conflict, match="changed by someone else"), db.ctx() as ctx:
        rename_scenario(ctx, "Courtoisie", "Encore", version)  # the version read before
    with pytest.raises(UserError, match="already exists"), db.ctx() as ctx:
        rename_scenario(ctx, "Courtoisie", BUILTIN_NAME, version + 1)
    before = history_count(db)
    with db.ctx() as ctx:
        same = rename_scenario(ctx, "Courtoisie", "Courtoisie", version + 1)
    assert same["version"] == version + 1 and history_count(db) == before
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        rename_scenario(ctx, "Courtoisie", "Par alice")


# -- delete and move


def test_delete_is_refused_while_dossiers_follow_then_works_after_moving_them(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:  # a closed dossier on the built-in scenario, with a step done
        customer = add_customer(ctx.session, "CVIEUX", "Vieux")
        add_entry(ctx.session, customer, "invoice", "2025-12-01", "90.00", due="2026-01-05")
        dossier = open_dossier(ctx, "CVIEUX", BUILTIN_NAME)
        todo = current_todo(ctx.session, dossier.id)  # type: ignore[arg-type]
        assert todo is not None
        mark_done(ctx, todo.id)  # type: ignore[arg-type]
        close(ctx, dossier, "Réglé", d("2026-03-02"))
    with pytest.raises(ScenarioInUse) as refused, db.ctx() as ctx:
        delete_scenario(ctx, BUILTIN_NAME)
    assert refused.value.count == 3
    assert "3 open or paused dossiers follow it" in refused.value.message
    assert "Move them to another scenario first" in refused.value.message
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        move_dossiers(ctx, BUILTIN_NAME, COURTESY_NAME)
    with pytest.raises(UserError, match="same scenario"), db.ctx() as ctx:
        move_dossiers(ctx, BUILTIN_NAME, BUILTIN_NAME)
    with pytest.raises(UserError, match="Step 4 does not exist"), db.ctx() as ctx:
        move_dossiers(ctx, BUILTIN_NAME, COURTESY_NAME, step_no=4)

    heard: list[tuple[int, int]] = []
    with db.ctx() as ctx:
        moved = move_dossiers(
            ctx, BUILTIN_NAME, COURTESY_NAME, progress=lambda *done: heard.append(done)
        )
    assert moved == ["D000001", "D000002", "D000003"]
    assert heard == [(3, 3)]  # every 100 moves, and at the end
    with db.session() as session:
        courtesy = session.exec(select(Scenario).where(Scenario.name == COURTESY_NAME)).one()
        for number in moved:
            dossier = find_dossier(session, number)
            todo = current_todo(session, dossier.id)  # type: ignore[arg-type]
            assert dossier.scenario_id == courtesy.id
            assert todo is not None and (todo.scenario_id, todo.step_no) == (courtesy.id, 1)
            assert todo.step == "Appel de courtoisie"
        paused = find_dossier(session, "D000002")
        assert paused.status == "paused"  # the pause holds the new step too
        held = current_todo(session, paused.id)  # type: ignore[arg-type]
        assert held is not None and held.planned > d("2026-03-13")

    with db.ctx() as ctx:
        delete_scenario(ctx, BUILTIN_NAME)
    with db.session() as session:
        assert session.exec(select(Scenario).where(Scenario.name == BUILTIN_NAME)).first() is None
        orphans = session.exec(
            select(ScenarioStep).where(col(ScenarioStep.scenario_id).not_in(select(Scenario.id)))
        ).all()
        assert orphans == []
        old = find_dossier(session, "D000005")
        assert old.status == "closed" and old.scenario_id is None
        past = session.exec(
            select(Intervention)
            .where(Intervention.dossier_id == old.id)
            .order_by(col(Intervention.id))
        ).all()
        # What was done keeps its step and status; only the link to the scenario is gone.
        assert [(i.step, i.status) for i in past] == [
            ("Relance téléphonique", "done"),
            ("Notification d'ouverture de dossier", "skipped"),
        ]
        assert all(i.scenario_id is None for i in past)
        unlink = session.exec(select(History).where(History.action == "unlink")).one()
        assert BUILTIN_NAME in (unlink.after or "")
    with pytest.raises(NotFound), db.ctx() as ctx:
        delete_scenario(ctx, BUILTIN_NAME)


def test_delete_unused_scenario_and_refusals(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        create_scenario(ctx, "Vide")
    version = detail(db, "Vide")["version"]
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        delete_scenario(ctx, "Vide")
    with pytest.raises(Conflict), db.ctx() as ctx:
        delete_scenario(ctx, "Vide", version - 1)
    with pytest.raises(ScenarioInUse, match="1 open or paused dossier follows it"), db.ctx() as ctx:
        delete_scenario(ctx, COURTESY_NAME)
    with db.ctx() as ctx:
        delete_scenario(ctx, "Vide", version)
    with pytest.raises(NotFound), db.session() as session:
        scenario_detail(session, "Vide")


# -- steps


def test_save_steps_edits_and_bumps_the_version(db: TestDB) -> None:
    seed(db)
    stored = detail(db, BUILTIN_NAME)
    steps = raw_steps(db, BUILTIN_NAME)
    steps[2]["delay"] = "6"  # as typed
    steps[6]["fees"] = "35,50"
    steps[6]["risk"] = "Douteux"
    steps.insert(3, {"name": "SMS", "delay": "1", "type": "other", "penalties": False})
    del steps[9]  # "Relance Tel avant Injonction", past where the dossiers stand
    with db.ctx() as ctx:
        saved = save_steps(ctx, BUILTIN_NAME, steps, stored["version"])
    assert saved["version"] == stored["version"] + 1
    assert [s["name"] for s in saved["steps"]] == [s["name"] for s in steps]
    assert saved["steps"][2]["delay"] == 6
    assert (saved["steps"][7]["fees"], saved["steps"][7]["risk"]) == ("35.50", "Douteux")
    assert saved["steps"][0]["dossiers"] == 3  # the open dossiers stand at step 1
    # Saving what is stored writes nothing: same version, no history.
    before = history_count(db)
    same = raw_steps(db, BUILTIN_NAME)
    with db.ctx() as ctx:
        again = save_steps(ctx, BUILTIN_NAME, same, saved["version"])
    assert again["version"] == saved["version"] and history_count(db) == before
    with pytest.raises(Conflict, match="changed by someone else"), db.ctx() as ctx:
        save_steps(ctx, BUILTIN_NAME, steps, stored["version"])
    with pytest.raises(Forbidden, match="Only a manager"), db.ctx(login="alice") as ctx:
        save_steps(ctx, BUILTIN_NAME, steps, saved["version"])


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("delay", "-1", "delay '-1' is invalid: expected a whole number of days from 0 to 3650"),
        ("delay", "3651", "delay '3651' is invalid: expected a whole number of days from 0 to"),
        ("delay", "3000000", "delay '3000000' is invalid"),
        ("delay", "abc", "delay 'abc' is invalid: expected a whole number of days"),
        ("delay", "1.5", "delay '1.5' is invalid"),
        ("loss_percent", "120", "loss_percent '120' is invalid: expected a percentage from 0"),
        ("loss_percent", "dix", "loss_percent 'dix' is invalid"),
        ("fees", "-5", "fees '-5' is invalid: expected an amount of 0 or more"),
        ("fees", "trente", "fees 'trente' is invalid"),
        ("risk", "Ruiné", "risk 'Ruiné' is invalid: expected a known risk code (Normal, "),
        ("type", "fax", "type 'fax' is invalid: expected phone, letter"),
        ("name", "", "step 3: a step needs a name"),
        ("template", "t" * 81, "at most 80 characters"),
    ],
)
def test_each_invalid_step_value_is_named_and_nothing_is_written(
    db: TestDB, field: str, value: str, words: str
) -> None:
    seed(db)
    stored = detail(db, COURTESY_NAME)
    steps = raw_steps(db, COURTESY_NAME)
    steps[2][field] = value
    steps[0]["delay"] = "4"  # a good change beside the bad one: not written either
    before = history_count(db)
    with pytest.raises(StepInvalid) as refused, db.ctx() as ctx:
        save_steps(ctx, COURTESY_NAME, steps, stored["version"])
    assert words in refused.value.message
    assert "'Relance courtoise', step 3" in refused.value.message
    assert (refused.value.step_no, refused.value.field) == (3, field)
    assert detail(db, COURTESY_NAME) == stored
    assert history_count(db) == before


def test_save_steps_keeps_open_dossiers_at_their_step(db: TestDB) -> None:
    seed(db)
    stored = detail(db, COURTESY_NAME)
    steps = raw_steps(db, COURTESY_NAME)
    renamed = [dict(s) for s in steps]
    renamed[0]["name"] = "Appel"  # D000004 stands at step 1
    refusal = "step 1 'Appel de courtoisie' would become 'Appel'"
    with pytest.raises(UserError, match=refusal), db.ctx() as ctx:
        save_steps(ctx, COURTESY_NAME, renamed, stored["version"])
    with pytest.raises(UserError, match="no steps"), db.ctx() as ctx:
        save_steps(ctx, COURTESY_NAME, [], stored["version"])
    moved = [steps[1], steps[0], steps[2]]  # reordering moves the dossier: refused
    with pytest.raises(UserError, match="cannot be replaced"), db.ctx() as ctx:
        save_steps(ctx, COURTESY_NAME, moved, stored["version"])
    assert detail(db, COURTESY_NAME) == stored
    # Past the dossier's step, anything goes: delete, reorder, insert.
    edited = [steps[0], steps[2], {"name": "Mise en demeure", "delay": "10", "type": "letter"}]
    with db.ctx() as ctx:
        saved = save_steps(ctx, COURTESY_NAME, edited, stored["version"])
    assert [s["name"] for s in saved["steps"]] == [
        "Appel de courtoisie",
        "Courrier de relance",
        "Mise en demeure",
    ]


def test_editing_a_step_never_rewrites_interventions_already_done(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        dossier = find_dossier(ctx.session, "D000004")
        todo = current_todo(ctx.session, dossier.id)  # type: ignore[arg-type]
        assert todo is not None
        mark_done(ctx, todo.id, note="Client joint")  # type: ignore[arg-type]
        done_id = todo.id
    with db.session() as session:
        done = session.get(Intervention, done_id)
        assert done is not None
        snapshot = (done.step, done.type, done.planned, done.done, done.note, done.version)
    stored = detail(db, COURTESY_NAME)
    steps = raw_steps(db, COURTESY_NAME)
    steps[0].update(name="Appel du chargé", type="visit", delay="3")  # nobody stands at it now
    with db.ctx() as ctx:
        save_steps(ctx, COURTESY_NAME, steps, stored["version"])
    with db.session() as session:
        done = session.get(Intervention, done_id)
        assert done is not None
        assert (done.step, done.type, done.planned, done.done, done.note, done.version) == snapshot
        assert snapshot[:2] == ("Appel de courtoisie", "phone")
        now = session.exec(
            select(Intervention).where(
                Intervention.dossier_id == done.dossier_id, Intervention.status == "todo"
            )
        ).one()
        assert now.step == "E-mail de rappel"  # the current step, untouched too
    assert detail(db, COURTESY_NAME)["steps"][0]["name"] == "Appel du chargé"


# -- risk codes


def test_risk_codes_list_and_add(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        codes = [r["code"] for r in risk_codes(session)]
    assert codes == ["Normal", "Surveillé", "Douteux", "Insolvable", "Contentieux"]
    with db.ctx() as ctx:
        added = add_risk_code(ctx, " Redressement ", "Redressement judiciaire")
    assert added == {"code": "Redressement", "label": "Redressement judiciaire", "position": 5}
    for code, words in (
        ("douteux", "'douteux' already exists (as 'Douteux')"),
        ("  ", "cannot be empty"),
        ("x" * 41, "at most 40 characters"),
    ):
        with pytest.raises(UserError, match=re.escape(words)), db.ctx() as ctx:
            add_risk_code(ctx, code)
    with pytest.raises(Forbidden), db.ctx(login="alice") as ctx:
        add_risk_code(ctx, "Alice")
    with db.session() as session:
        assert [r["code"] for r in risk_codes(session)][-1] == "Redressement"
    # The new code is known to step validation at once.
    stored = detail(db, COURTESY_NAME)
    steps = raw_steps(db, COURTESY_NAME)
    steps[2]["risk"] = "Redressement"
    with db.ctx() as ctx:
        saved = save_steps(ctx, COURTESY_NAME, steps, stored["version"])
    assert saved["steps"][2]["risk"] == "Redressement"


def test_closed_dossiers_do_not_block_nor_count(db: TestDB) -> None:
    seed(db)
    with db.ctx() as ctx:
        dossier = find_dossier(ctx.session, "D000004", lock=True)
        close(ctx, dossier, "Réglé", d("2026-03-02"))
    assert detail(db, COURTESY_NAME)["open_dossiers"] == 0
    with db.ctx() as ctx:
        delete_scenario(ctx, COURTESY_NAME)
    with db.session() as session:
        assert (
            session.exec(select(Dossier.scenario_id).where(Dossier.number == "D000004")).one()
            is None
        )
