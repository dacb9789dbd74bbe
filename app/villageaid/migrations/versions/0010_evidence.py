"""evidence (佐证材料): files attached to follow-up records and training sessions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('va_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_record_id', sa.Integer(), nullable=True),
    sa.Column('training_session_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_path', sa.String(length=300), nullable=False),
    sa.Column('binned_with_record', sa.Boolean(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('deleted_on', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_fk', sa.Integer(), nullable=True),
    sa.CheckConstraint('(followup_record_id IS NULL) <> (training_session_id IS NULL)', name='ck_va_evidence_one_record'),
    sa.ForeignKeyConstraint(['followup_record_id'], ['va_followup_record.id'], ),
    sa.ForeignKeyConstraint(['training_session_id'], ['va_training_session.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['deleted_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('followup_record_id', 'training_session_id', 'deleted_on'):
        op.create_index('ix_va_evidence_%s' % column, 'va_evidence', [column], unique=False)


def downgrade():
    op.drop_table('va_evidence')
