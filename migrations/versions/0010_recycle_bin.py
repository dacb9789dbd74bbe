"""recycle bin: deleted_on and deleted_by on every domain record

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('va_town', 'va_unit', 'va_village', 'va_cadre', 'va_training_session', 'va_training_attendance',
          'va_reserve_candidate', 'va_followup_record')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('deleted_on', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('deleted_by_fk', sa.Integer(), nullable=True))
            batch_op.create_index('ix_%s_deleted_on' % table, ['deleted_on'], unique=False)
            batch_op.create_foreign_key('fk_%s_deleted_by' % table, 'ab_user', ['deleted_by_fk'], ['id'])


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint('fk_%s_deleted_by' % table, type_='foreignkey')
            batch_op.drop_index('ix_%s_deleted_on' % table)
            batch_op.drop_column('deleted_by_fk')
            batch_op.drop_column('deleted_on')
