"""jobs: background jobs (large imports and exports), who started them and how far they are

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('va_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('list_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('result_file', sa.String(length=255), nullable=True),
    sa.Column('started_on', sa.DateTime(), nullable=True),
    sa.Column('finished_on', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_va_job_user', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_va_job')
    )
    for column in ('created_on', 'user_id', 'sha256'):
        op.create_index('ix_va_job_%s' % column, 'va_job', [column], unique=False)


def downgrade():
    for column in ('created_on', 'user_id', 'sha256'):
        op.drop_index('ix_va_job_%s' % column, table_name='va_job')
    op.drop_table('va_job')
