"""Alembic environment: the engine comes from models.db (no alembic.ini needed)."""

from alembic import context
from sqlmodel import SQLModel

from models.tables import partial_index_directives

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            compare_type=True,
            process_revision_directives=partial_index_directives,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
