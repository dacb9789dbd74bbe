"""reserve: maintained eligible-candidate counts on villages; education,
political status and party-join date of cadres

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 06:10:00

The counts start at 0; `flask villageaid init` (run after every upgrade)
recounts them under the office's rules.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

COUNTS = ('candidate_count', 'secretary_count', 'director_count', 'both_count', 'member_count')
INDEXED = ('candidate_count', 'both_count')


def upgrade():
    # plain ADD COLUMN: no table copy of referenced tables on SQLite
    for name in COUNTS:
        op.add_column('va_village', sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    for name in INDEXED:
        op.create_index('ix_va_village_%s' % name, 'va_village', [name], unique=False)
    op.add_column('va_cadre', sa.Column('education', sa.String(length=20), nullable=True))
    op.add_column('va_cadre', sa.Column('political_status', sa.String(length=20), nullable=True))
    op.add_column('va_cadre', sa.Column('party_join_date', sa.Date(), nullable=True))
    op.create_index('ix_va_cadre_education', 'va_cadre', ['education'], unique=False)
    op.create_index('ix_va_cadre_political_status', 'va_cadre', ['political_status'], unique=False)


def downgrade():
    op.drop_index('ix_va_cadre_political_status', table_name='va_cadre')
    op.drop_index('ix_va_cadre_education', table_name='va_cadre')
    for name in INDEXED:
        op.drop_index('ix_va_village_%s' % name, table_name='va_village')
    with op.batch_alter_table('va_cadre', schema=None) as batch_op:
        batch_op.drop_column('party_join_date')
        batch_op.drop_column('political_status')
        batch_op.drop_column('education')
    with op.batch_alter_table('va_village', schema=None) as batch_op:
        for name in COUNTS:
            batch_op.drop_column(name)
