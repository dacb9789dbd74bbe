"""evidence on the handling of follow-up alerts

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ONE_OF_TWO = '(followup_record_id IS NULL) <> (training_session_id IS NULL)'
ONE_OF_THREE = ('(CASE WHEN followup_record_id IS NULL THEN 0 ELSE 1 END'
                ' + CASE WHEN training_session_id IS NULL THEN 0 ELSE 1 END'
                ' + CASE WHEN followup_alert_id IS NULL THEN 0 ELSE 1 END) = 1')


def upgrade():
    with op.batch_alter_table('va_evidence') as batch:
        batch.drop_constraint('ck_va_evidence_one_record', type_='check')
        batch.add_column(sa.Column('followup_alert_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_va_evidence_followup_alert_id', 'va_followup_alert',
                                 ['followup_alert_id'], ['id'])
        batch.create_index('ix_va_evidence_followup_alert_id', ['followup_alert_id'], unique=False)
        batch.create_check_constraint('ck_va_evidence_one_record', ONE_OF_THREE)


def downgrade():
    op.execute('DELETE FROM va_evidence WHERE followup_alert_id IS NOT NULL')
    with op.batch_alter_table('va_evidence') as batch:
        batch.drop_constraint('ck_va_evidence_one_record', type_='check')
        # the foreign key first: MariaDB keeps the index while a key needs it
        batch.drop_constraint('fk_va_evidence_followup_alert_id', type_='foreignkey')
        batch.drop_index('ix_va_evidence_followup_alert_id')
        batch.drop_column('followup_alert_id')
        batch.create_check_constraint('ck_va_evidence_one_record', ONE_OF_TWO)
