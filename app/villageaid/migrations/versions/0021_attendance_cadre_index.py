"""attendance: an index of a cadre's completed attendances

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 14:40:00

The look-up that keeps a cadre's `trained_on` asks a cadre's completed
attendances. With the two single-column indexes alone, a database without
statistics (a new SQLite file, or rows written in the same transaction)
chose the index of `completed` and read every completed attendance once per
cadre: setting the trained dates of a million generated cadres did not end.
With (cadre_id, completed) the planner starts from the cadre whatever it
knows of the rows.
"""
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_va_training_attendance_cadre_completed', 'va_training_attendance',
                    ['cadre_id', 'completed'], unique=False)


def downgrade():
    op.drop_index('ix_va_training_attendance_cadre_completed', table_name='va_training_attendance')
