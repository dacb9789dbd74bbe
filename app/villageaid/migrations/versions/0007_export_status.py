"""export receipts: how the export ended (complete, failed, interrupted)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('va_export_receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='complete'))
    receipts = sa.table('va_export_receipt', sa.column('status', sa.String), sa.column('complete', sa.Boolean))
    op.execute(receipts.update().where(receipts.c.complete == sa.false()).values(status='failed'))
    with op.batch_alter_table('va_export_receipt', schema=None) as batch_op:
        batch_op.drop_column('complete')
        batch_op.create_index(batch_op.f('ix_va_export_receipt_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('va_export_receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), nullable=False, server_default=sa.true()))
    receipts = sa.table('va_export_receipt', sa.column('status', sa.String), sa.column('complete', sa.Boolean))
    op.execute(receipts.update().where(receipts.c.status != 'complete').values(complete=False))
    with op.batch_alter_table('va_export_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_export_receipt_status'))
        batch_op.drop_column('status')
