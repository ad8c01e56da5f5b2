"""entry date index: the aged balance on a day looks for the lettering groups that have an
entry dated after it (none on the current day: an empty range of this index)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:40:00
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_entry_date', 'entry', ['date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_entry_date', table_name='entry')
