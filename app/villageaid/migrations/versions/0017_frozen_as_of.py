"""frozen reports: the notes on figures computed as of a past date

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN of a nullable column: no table copy on any database
    op.add_column('va_frozen_report', sa.Column('notes', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('va_frozen_report', schema=None) as batch_op:
        batch_op.drop_column('notes')
