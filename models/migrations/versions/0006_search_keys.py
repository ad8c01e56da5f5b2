"""search keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:40:00.000000
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# The folding of engine.reads.filters as it stood when this revision was written: a
# migration is frozen, so it carries its own copy rather than import the engine (which
# models/ never does); tests/test_migrations.py checks both fold alike.
_SEPARATOR = "\x1f"
_SPELT_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().translate(_SPELT_OUT)


def search_key(*parts: str | None) -> str:
    return _SEPARATOR.join(_fold(part or "") for part in parts)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.Text(), server_default='', nullable=False))
    # Fill the keys of the rows already there (engine.search_keys keeps them after); the
    # folding is Python's (unicodedata), the same on every backend.
    bind = op.get_bind()
    customers = [
        {"row_id": i, "key": search_key(code, name)}
        for i, code, name in bind.execute(sa.text("SELECT id, code, name FROM customer"))
    ]
    dossiers = [
        {"row_id": i, "key": search_key(number, code, name)}
        for i, number, code, name in bind.execute(
            sa.text(
                "SELECT d.id, d.number, c.code, c.name FROM dossier d "
                "JOIN customer c ON c.id = d.customer_id"
            )
        )
    ]
    for table, rows in (("customer", customers), ("dossier", dossiers)):
        if rows:
            bind.execute(
                sa.text(f"UPDATE {table} SET search_key = :key WHERE id = :row_id"), rows
            )


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('search_key')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('search_key')
