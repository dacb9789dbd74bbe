"""change history (operation log)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 03:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('va_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('record_label', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('village_unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_va_change_user', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name='pk_va_change')
    )
    op.create_index('ix_va_change_record', 'va_change', ['model', 'record_id'], unique=False)
    for column in ('changed_on', 'user_id', 'path', 'action', 'model', 'town_id', 'unit_id', 'village_unit_id'):
        op.create_index('ix_va_change_%s' % column, 'va_change', [column], unique=False)


def downgrade():
    op.drop_table('va_change')
