"""charges export: a charge's stable piece reference in the accounting, and when it was
exported (export charges; a re-import recognises the charge by that reference)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('charge_ref', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
        batch_op.add_column(sa.Column('exported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # An index, not a table constraint: on SQLite a constraint rebuilds the table, and
    # dropping the old `entry` fails while other tables' rows point at it.
    op.create_index('uq_entry_charge_ref', 'entry', ['charge_ref'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_entry_charge_ref', table_name='entry')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('exported_at')
        batch_op.drop_column('charge_ref')
