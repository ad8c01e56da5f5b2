"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from models.db import is_initialized
from tests.conftest import TestDB


def test_models_and_migrations_agree(db: TestDB) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_db: TestDB) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    assert is_initialized(sqlite_db.engine)
    assert "ix_entry_invoice_id" in {
        i["name"] for i in inspect(sqlite_db.engine).get_indexes("entry")
    }


def test_one_current_step_per_dossier_is_a_partial_index_on_both_backends(db: TestDB) -> None:
    """compare_metadata does not look at an index's condition: check it here, in the model
    (as SQLAlchemy writes it) and in the database (as the migration made it)."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex

    from models.tables import Intervention

    index = next(
        i for i in Intervention.__table__.indexes if i.name == "uq_intervention_current_step"
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert str(CreateIndex(index).compile(dialect=dialect)).endswith(
            "(dossier_id) WHERE status = 'todo' AND step_no IS NOT NULL"
        )
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'uq_intervention_current_step'")
            ).scalar_one()
        else:
            sql = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": "uq_intervention_current_step"},
            ).scalar_one()
    assert "UNIQUE" in sql.upper() and "WHERE" in sql.upper() and "step_no IS NOT NULL" in sql


def test_a_generated_migration_keeps_the_partial_index_condition() -> None:
    """Autogenerate renders dialect options, not ``info``: the env.py hook adds the
    condition back, or a future migration would make the index whole (and fail on data)."""
    from alembic.autogenerate import render_python_code
    from alembic.operations import ops

    from models.tables import Intervention, partial_index_directives

    index = next(
        i for i in Intervention.__table__.indexes if i.name == "uq_intervention_current_step"
    )
    upgrade = ops.UpgradeOps(ops=[ops.CreateIndexOp.from_index(index)])
    script = ops.MigrationScript("x", upgrade, ops.DowngradeOps(ops=[]))
    assert "_where" not in render_python_code(upgrade)  # what autogenerate alone writes
    partial_index_directives(None, None, [script])
    code = render_python_code(upgrade)
    condition = "status = 'todo' AND step_no IS NOT NULL"
    assert f'sqlite_where=sa.text("{condition}")' in code
    assert f'postgresql_where=sa.text("{condition}")' in code


def test_search_keys_migration_fills_the_rows_already_there(tmp_path: Path) -> None:
    """Migration 0006 folds the codes and names of customers and dossiers written before it."""
    from alembic import command

    from engine.reads.filters import search_key
    from models.db import alembic_config, make_engine

    engine = make_engine(str(tmp_path / "old.sqlite3"))
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (id, code, name, address, siren, email, phone, "
                "payment_terms_days, consumer, excluded_from_reminders, note, version) "
                "VALUES (1, 'CÉTAB', 'Établissements Œuvre', '', '', '', '', 30, false, "
                "false, '', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO dossier (id, number, customer_id, created, reason, status, "
                "pause_reason, provision, principal, charges, current_step, close_reason, "
                "version) VALUES (1, 'D000001', 1, '2026-03-02', '', 'open', '', 0, 0, 0, "
                "'', '', 1)"
            )
        )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT search_key FROM customer")).scalar_one()
        assert stored == "cetab\x1fetablissements oeuvre"
        # the migration's frozen copy of the folding and the engine's fold alike
        assert stored == search_key("CÉTAB", "Établissements Œuvre")
        assert conn.execute(text("SELECT search_key FROM dossier")).scalar_one() == (
            "d000001\x1fcetab\x1fetablissements oeuvre"
        )
    engine.dispose()


def test_the_schema_revision_the_program_needs_is_the_newest_migration(db: TestDB) -> None:
    from alembic.script import ScriptDirectory

    from models.db import MIGRATIONS, alembic_config, schema_revision
    from models.env import SCHEMA_REVISION

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == SCHEMA_REVISION
    assert schema_revision(db.engine) == SCHEMA_REVISION
    assert alembic_config(db.engine).get_main_option("script_location") == str(MIGRATIONS)


@pytest.mark.parametrize(
    ("stored", "says"),
    [("0008", "needs"), ("9999", "newer version")],
)
def test_a_database_at_another_schema_is_refused_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: str, says: str
) -> None:
    from models.env import SCHEMA_REVISION
    from tui.cli import main

    path = tmp_path / "old.sqlite3"
    assert main(["--db", str(path), "--user", "boss", "init"]) == 0
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = ?", (stored,))
    capsys.readouterr()
    assert main(["--db", str(path), "--user", "boss", "dossier", "list"]) == 2
    err = capsys.readouterr().err
    assert f"schema version {stored}" in err and SCHEMA_REVISION in err and says in err
    if stored < SCHEMA_REVISION:  # init upgrades it, then it is used again
        assert "recouvrement init" in err
        with sqlite3.connect(path) as raw:  # (its tables are already those of the newest)
            raw.execute("UPDATE alembic_version SET version_num = ?", (SCHEMA_REVISION,))
        assert main(["--db", str(path), "--user", "boss", "dossier", "list"]) == 0


def test_init_says_it_upgraded_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    from models.db import alembic_config, make_engine
    from models.env import SCHEMA_REVISION
    from tui.cli import main

    path = tmp_path / "old.sqlite3"
    engine = make_engine(str(path))
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as conn:  # a database in use: it has its manager
        conn.execute(
            text(
                "INSERT INTO app_user (login, name, role, active, version) "
                "VALUES ('boss', '', 'manager', true, 1)"
            )
        )
    engine.dispose()
    capsys.readouterr()
    assert main(["--db", str(path), "--user", "boss", "init"]) == 0
    said = capsys.readouterr().out
    assert f"upgraded from schema version 0008 to {SCHEMA_REVISION}" in said
    assert main(["--db", str(path), "--user", "boss", "init"]) == 0
    assert "is up to date" in capsys.readouterr().out


def test_every_migration_since_0006_upgrades_a_database_holding_data(tmp_path: Path) -> None:
    """A company's file is upgraded with its data in place: on SQLite a migration that
    rebuilt a table pointed at by other rows (entry, by dossier_entry) failed on DROP
    TABLE with the foreign keys on, where an empty test database passed."""
    from alembic import command

    from models.db import alembic_config, make_engine, schema_revision
    from models.env import SCHEMA_REVISION

    engine = make_engine(str(tmp_path / "old.sqlite3"))
    command.upgrade(alembic_config(engine), "0006")
    with engine.begin() as conn:
        for statement in (
            "INSERT INTO customer (id, code, name, address, siren, email, phone, "
            "payment_terms_days, consumer, excluded_from_reminders, note, version, search_key) "
            "VALUES (1, 'CDUPONT', 'Dupont', '', '', '', '', 30, false, false, '', 1, '')",
            "INSERT INTO entry (id, customer_id, journal, date, piece, invoice, reference, "
            "account, label, due_date, debit, credit, kind, source, source_key, reminder_count, "
            "excluded, open_amount, version) VALUES (1, 1, 'VT', '2026-01-02', 'F1', 'F1', '', "
            "'411000', 'Facture', '2026-02-01', 120000, 0, 'invoice', 'csv', 'k1', 0, false, "
            "120000, 1)",
            "INSERT INTO dossier (id, number, customer_id, created, reason, status, "
            "pause_reason, provision, principal, charges, current_step, close_reason, "
            "version, search_key) VALUES (1, 'D000001', 1, '2026-03-02', '', 'open', '', 0, "
            "120000, 0, '', '', 1, '')",
            "INSERT INTO dossier_entry (dossier_id, entry_id) VALUES (1, 1)",
            "INSERT INTO contact (id, customer_id, name, role, email, phone, version) "
            "VALUES (1, 1, 'Jean', '', '', '', 1)",
        ):
            conn.execute(text(statement))
    command.upgrade(alembic_config(engine), "head")
    assert schema_revision(engine) == SCHEMA_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dossier_entry")).scalar_one() == 1
        assert conn.execute(text("SELECT debit FROM entry")).scalar_one() == 120000
        assert conn.execute(text("SELECT address FROM contact")).scalar_one() == ""
    engine.dispose()
