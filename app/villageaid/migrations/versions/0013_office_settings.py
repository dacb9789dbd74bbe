"""office parameters (参数设置), frozen reports (签发报表) and dictionaries (字典管理)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _record_columns():
    return [
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
        sa.Column('created_by_fk', sa.Integer(), nullable=True),
        sa.Column('changed_by_fk', sa.Integer(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    ]


def upgrade():
    op.create_table('va_office_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    *_record_columns(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('va_frozen_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('reporting_unit', sa.String(length=200), nullable=True),
    sa.Column('tables', sa.Text(), nullable=False),
    sa.Column('settings_used', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    *_record_columns(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_va_frozen_report_kind_day', 'va_frozen_report', ['kind', 'as_of'], unique=False)
    op.create_table('va_dictionary_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('label_zh', sa.String(length=100), nullable=True),
    sa.Column('label_en', sa.String(length=100), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    *_record_columns(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'code', name='uq_va_dictionary_entry_kind_code')
    )


def downgrade():
    op.drop_table('va_dictionary_entry')
    op.drop_index('ix_va_frozen_report_kind_day', table_name='va_frozen_report')
    op.drop_table('va_frozen_report')
    op.drop_table('va_office_setting')
