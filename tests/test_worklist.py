"""The actions worklist read by windows: filtered, ordered and grouped in SQL, on both
backends; notes added to an intervention."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.dossiers import close, find_dossier, open_dossier, update_dossier
from engine.errors import Conflict, Forbidden, NotFound, UserError
from engine.interventions import add_manual, add_note
from engine.reads.views import action_rows
from engine.reads.worklist import (
    WorklistFilter,
    worklist_agents,
    worklist_count,
    worklist_totals,
    worklist_window,
)
from engine.scenarios import BUILTIN_NAME
from models.tables import History, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d
from tests.tui_helpers import TODAY, seed_tui


def seed(db: TestDB) -> None:
    """seed_tui (step 1 of D000001–D000004 on 03-02, D000003 paused until 03-13) plus an
    overdue step, two upcoming manual to-dos, a closed dossier; D000004 unassigned."""
    seed_tui(db)
    with db.ctx(TODAY) as ctx:
        update_dossier(ctx, "D000004", agent="")
        # D000005 opened on 02-16: its first call is overdue on 03-02 (intervention 5).
        open_dossier(ctx, "CNEUF", BUILTIN_NAME, agent="alice", start=d("2026-02-16"))
        add_manual(ctx, "D000001", "letter", d("2026-03-05"), note="Relevé")  # 6
        add_manual(ctx, "D000002", "email", d("2026-03-10"))  # 7
        customer = add_customer(ctx.session, "CFERME", "Fermé SA")
        add_entry(ctx.session, customer, "invoice", "2025-12-01", "90.00", due="2026-01-10")
        open_dossier(ctx, "CFERME", BUILTIN_NAME, agent="alice")  # D000006, intervention 8
        close(ctx, find_dossier(ctx.session, "D000006", lock=True), "test", TODAY)


def window(db: TestDB, flt: WorklistFilter, offset: int = 0, limit: int = 100) -> list[dict]:
    with db.session() as session:
        return worklist_window(session, flt, offset, limit, TODAY)


def ids(db: TestDB, **flt: object) -> list[int]:
    return [row["id"] for row in window(db, WorklistFilter(**flt))]  # type: ignore[arg-type]


def test_window_orders_groups_and_counts(db: TestDB) -> None:
    seed(db)
    rows = window(db, WorklistFilter())
    # planned date, then agent (unassigned first on both backends), then id
    assert [(r["id"], r["dossier"], r["group"]) for r in rows] == [
        (5, "D000005", "overdue"),
        (4, "D000004", "today"),
        (1, "D000001", "today"),
        (2, "D000002", "today"),
        (6, "D000001", "upcoming"),
        (7, "D000002", "upcoming"),
        (3, "D000003", "upcoming"),
    ]
    with db.session() as session:
        flt = WorklistFilter()
        assert worklist_count(session, flt, TODAY) == 7
        assert worklist_totals(session, flt, TODAY) == {
            "overdue": 1,
            "today": 3,
            "upcoming": 3,
            "total": 7,
        }
        assert worklist_agents(session) == ["alice", "boss"]
    # windows page through the same order
    pages = [window(db, WorklistFilter(), offset, 3) for offset in (0, 3, 6)]
    assert [r["id"] for page in pages for r in page] == [r["id"] for r in rows]
    assert window(db, WorklistFilter(), 7, 3) == []


def test_rows_carry_what_action_rows_says(db: TestDB) -> None:
    seed(db)
    rows = window(db, WorklistFilter())
    with db.session() as session:
        reference = action_rows(session)
    # same rows and values (action_rows leaves NULL agents where each backend puts them)
    by_id = {r["id"]: r for r in rows}
    assert sorted(by_id) == sorted(r["id"] for r in reference)
    for theirs in reference:
        assert {key: by_id[theirs["id"]][key] for key in theirs} == theirs
    paused = next(r for r in rows if r["dossier"] == "D000003")
    assert paused["dossier_status"] == "paused"
    assert paused["pause_until"] == d("2026-03-13")
    assert paused["pause_reason"] == "Promesse de règlement"
    assert paused["planned"] == d("2026-03-16")  # held past the pause (rule 7)
    assert paused["held_from"] == TODAY
    first = rows[0]
    assert first["customer_name"] == "Neuf & Co"
    assert first["scenario"] == BUILTIN_NAME
    assert first["type"] == "phone"
    assert isinstance(first["dossier_version"], int)
    manual = next(r for r in rows if r["id"] == 6)
    assert (manual["step_no"], manual["scenario"], manual["note"]) == (None, None, "Relevé")


def test_filters_by_agent_type_date_and_text(db: TestDB) -> None:
    seed(db)
    assert ids(db, agent="alice") == [5, 1, 6, 3]
    assert ids(db, agent="boss") == [2, 7]
    assert ids(db, type="phone") == [5, 4, 1, 2, 3]
    assert ids(db, type="email") == [7]
    assert ids(db, until=TODAY) == [5, 4, 1, 2]
    assert ids(db, until=d("2026-03-09")) == [5, 4, 1, 2, 6]
    assert ids(db, since=TODAY, until=TODAY) == [4, 1, 2]
    assert ids(db, text="d000002") == [2, 7]
    assert ids(db, text="martin") == [3]  # customer code and name
    assert ids(db, text="frères") == [1, 6]  # customer name
    # case and accents ignored, alike on both backends
    assert ids(db, text="FRERES") == ids(db, text="Frères") == [1, 6]
    assert ids(db, text="cecile ecoles") == ids(db, text="CÉCILE") == [2, 7]
    assert ids(db, text="batiment") == [4]
    assert ids(db, text="%") == ids(db, text="_") == []
    assert ids(db, text="BOS") == [2, 7]  # agent login
    assert ids(db, text="  ") == [5, 4, 1, 2, 6, 7, 3]
    assert ids(db, agent="alice", type="phone", until=TODAY) == [5, 1]
    with db.session() as session:
        flt = WorklistFilter(agent="alice")
        assert worklist_count(session, flt, TODAY) == 4
        assert worklist_totals(session, flt, TODAY) == {
            "overdue": 1,
            "today": 1,
            "upcoming": 2,
            "total": 4,
        }
        empty = WorklistFilter(text="nobody")
        assert worklist_count(session, empty, TODAY) == 0
        assert worklist_totals(session, empty, TODAY)["total"] == 0
        with pytest.raises(UserError, match="fax"):
            worklist_count(session, WorklistFilter(type="fax"), TODAY)


def test_agent_logins_match_without_case_or_accents(db: TestDB) -> None:
    from engine.access import add_user

    seed(db)
    with db.ctx(TODAY) as ctx:
        add_user(ctx.session, None, "Hélène", "agent", "Hélène")
        update_dossier(ctx, "D000004", agent="Hélène")
    assert ids(db, text="helene") == ids(db, text="HÉLÈNE") == [4]
    assert ids(db, text="ALI") == [5, 1, 6, 3]  # alice's


def test_groups_follow_the_business_day(db: TestDB) -> None:
    seed(db)
    with db.session() as session:
        later = worklist_window(session, WorklistFilter(), 0, 100, d("2026-03-10"))
        totals = worklist_totals(session, WorklistFilter(), d("2026-03-10"))
    assert [r["group"] for r in later] == ["overdue"] * 5 + ["today", "upcoming"]
    assert totals == {"overdue": 5, "today": 1, "upcoming": 1, "total": 7}


def note_of(db: TestDB, intervention_id: int) -> tuple[str, int]:
    with db.session() as session:
        item = session.get(Intervention, intervention_id)
        assert item is not None
        return item.note, item.version


def test_add_note_appends_with_optimistic_locking(db: TestDB) -> None:
    seed(db)
    _note, version = note_of(db, 6)
    with db.ctx(TODAY, "alice") as ctx:
        add_note(ctx, 6, "  Appel sans réponse ", expected_version=version)
    assert note_of(db, 6) == ("Relevé\nAppel sans réponse", version + 1)
    with db.ctx(TODAY, "alice") as ctx:  # the same note again changes nothing
        add_note(ctx, 6, "Appel sans réponse", expected_version=version)
    assert note_of(db, 6) == ("Relevé\nAppel sans réponse", version + 1)
    with pytest.raises(Conflict, match="Intervention 6"), db.ctx(TODAY, "alice") as ctx:
        add_note(ctx, 6, "Rappeler lundi", expected_version=version)  # stale copy
    assert note_of(db, 6)[0] == "Relevé\nAppel sans réponse"
    with db.ctx(TODAY) as ctx:
        add_note(ctx, 4, "Premier contact")  # no version given: the current one
    assert note_of(db, 4)[0] == "Premier contact"
    with db.session() as session:
        changes = session.exec(
            select(History).where(History.table_name == "intervention", History.record_id == "6")
        ).all()
    assert any("Appel sans réponse" in (h.after or "") for h in changes)


def test_add_note_refusals(db: TestDB) -> None:
    seed(db)
    with pytest.raises(UserError, match="empty"), db.ctx(TODAY) as ctx:
        add_note(ctx, 1, "   ")
    with pytest.raises(Forbidden, match="boss"), db.ctx(TODAY, "alice") as ctx:
        add_note(ctx, 2, "Pas à moi")
    with pytest.raises(NotFound, match="999"), db.ctx(TODAY) as ctx:
        add_note(ctx, 999, "Personne")
    with pytest.raises(UserError, match="closed"), db.ctx(TODAY) as ctx:
        add_note(ctx, 8, "Trop tard")
    assert note_of(db, 2)[0] == ""
