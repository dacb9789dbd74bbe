"""training: coverage kept per group of cadres (town, unit, village's unit, kind);
follow-up records indexed by village and date

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 18:00:00

`va_training_tally` holds the rotation's figures per group of counted
cadres, kept on write (tally.py), and `va_training_tally_state` the dates
they hold. Both start empty: the first report builds them from the cadres.
A session's end date gets an index: the next day's figures recompute the
towns of the sessions that ended in between. A village's follow-up records
of some days (a month so far) are looked up by (village, date).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'va_training_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('village_unit_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('trained', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=14, scale=1), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('town_id', 'unit_id', 'village_unit_id'):
        op.create_index('ix_va_training_tally_%s' % column, 'va_training_tally', [column], unique=False)
    op.create_table(
        'va_training_tally_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('new_since', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_va_training_session_end_date', 'va_training_session', ['end_date'], unique=False)
    op.create_index('ix_va_followup_record_village_date', 'va_followup_record', ['village_id', 'date'], unique=False)


def downgrade():
    op.drop_index('ix_va_followup_record_village_date', table_name='va_followup_record')
    op.drop_index('ix_va_training_session_end_date', table_name='va_training_session')
    op.drop_table('va_training_tally_state')
    for column in ('town_id', 'unit_id', 'village_unit_id'):
        op.drop_index('ix_va_training_tally_%s' % column, table_name='va_training_tally')
    op.drop_table('va_training_tally')
