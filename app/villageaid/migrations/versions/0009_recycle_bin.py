"""recycle bin: deleted_on and deleted_by on every domain record

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('va_town', 'va_unit', 'va_village', 'va_cadre', 'va_training_session', 'va_training_attendance',
          'va_reserve_candidate', 'va_followup_record')


def upgrade():
    # plain ADD COLUMN, no table copy: on SQLite a copy would drop tables that
    # other rows refer to. SQLite cannot add the foreign key of deleted_by_fk
    # to an existing table, so there it is a plain integer (who deleted).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        op.add_column(table, sa.Column('deleted_on', sa.DateTime(), nullable=True))
        user = [] if sqlite else [sa.ForeignKey('ab_user.id', name='fk_%s_deleted_by' % table)]
        op.add_column(table, sa.Column('deleted_by_fk', sa.Integer(), *user, nullable=True))
        op.create_index('ix_%s_deleted_on' % table, table, ['deleted_on'], unique=False)


def downgrade():
    for table in TABLES:
        op.drop_index('ix_%s_deleted_on' % table, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('deleted_by_fk')
            batch_op.drop_column('deleted_on')
