"""entry due date index: the preventive reminder proposal reads the invoices due in a
window of days, across every customer

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 20:00:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_due', ['due_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_due')
