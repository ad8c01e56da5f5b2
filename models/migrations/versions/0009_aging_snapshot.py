"""aging snapshot: the aged balance's bucket totals, one row a day (the daily pass)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:00:00
"""
import sqlalchemy as sa
from alembic import op

import models.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'aging_snapshot',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('total', models.types.Money(), nullable=False),
        sa.Column('not_due', models.types.Money(), nullable=False),
        sa.Column('overdue', models.types.Money(), nullable=False),
        sa.Column('edges', sa.String(length=80), nullable=False),
        sa.Column('amounts', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )


def downgrade() -> None:
    op.drop_table('aging_snapshot')
