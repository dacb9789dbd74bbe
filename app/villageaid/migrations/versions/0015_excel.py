"""imports: import batches, the batch of each change, sessions unique by title and start date

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('va_import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('list_name', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('undo_data', sa.Text(), nullable=True),
    sa.Column('undone_on', sa.DateTime(), nullable=True),
    sa.Column('undone_by_fk', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_va_import_batch_user', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['undone_by_fk'], ['ab_user.id'], name='fk_va_import_batch_undone_by', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name='pk_va_import_batch')
    )
    for column in ('created_on', 'user_id', 'list_name', 'sha256'):
        op.create_index('ix_va_import_batch_%s' % column, 'va_import_batch', [column], unique=False)
    # plain ADD COLUMN (no table copy); SQLite cannot add a foreign key to an
    # existing table, so there it is a plain integer
    sqlite = op.get_bind().dialect.name == 'sqlite'
    batch = [] if sqlite else [sa.ForeignKey('va_import_batch.id', name='fk_va_change_import_batch')]
    op.add_column('va_change', sa.Column('import_batch_id', sa.Integer(), *batch, nullable=True))
    op.create_index('ix_va_change_import_batch_id', 'va_change', ['import_batch_id'], unique=False)
    if sqlite:
        op.create_index('uq_va_training_session_title_start', 'va_training_session', ['title', 'start_date'],
                        unique=True)
    else:
        op.create_unique_constraint('uq_va_training_session_title_start', 'va_training_session',
                                    ['title', 'start_date'])


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('uq_va_training_session_title_start', table_name='va_training_session')
    else:
        op.drop_constraint('uq_va_training_session_title_start', 'va_training_session', type_='unique')
    op.drop_index('ix_va_change_import_batch_id', table_name='va_change')
    with op.batch_alter_table('va_change', schema=None) as batch_op:
        batch_op.drop_column('import_batch_id')
    for column in ('created_on', 'user_id', 'list_name', 'sha256'):
        op.drop_index('ix_va_import_batch_%s' % column, table_name='va_import_batch')
    op.drop_table('va_import_batch')
