"""sign-in security and audit: login counters and log, session generation,
second factor, personal-data view log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('va_login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=256), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'address', name='uq_va_login_throttle')
    )
    op.create_table('va_login_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=256), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('va_login_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_login_event_created_on'), ['created_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_login_event_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_login_event_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_login_event_username'), ['username'], unique=False)
    op.create_table('va_user_security',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('password_changed_on', sa.DateTime(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('va_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=256), nullable=False),
    sa.Column('used_on', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('va_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_recovery_code_user_id'), ['user_id'], unique=False)
    op.create_table('va_personal_data_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=256), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('fields', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('va_personal_data_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_personal_data_view_created_on'), ['created_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_personal_data_view_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_personal_data_view_record_type'), ['record_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_personal_data_view_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_personal_data_view_username'), ['username'], unique=False)


def downgrade():
    op.drop_table('va_personal_data_view')
    op.drop_table('va_recovery_code')
    op.drop_table('va_user_security')
    op.drop_table('va_login_event')
    op.drop_table('va_login_throttle')
