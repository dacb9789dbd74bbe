"""scale: indexes the scoped reads and the name search use

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 09:40:00

- va_change.public: one of the ways into a record's history (scope.py
  asks each way in through its own index).
- PostgreSQL only: the names a list searches by "starts with" (a LIKE with a
  fixed prefix) indexed with varchar_pattern_ops, which such a LIKE uses
  whatever the database's collation (the plain index on the name serves only
  ordering and equality there). SQLite asks a range of the plain index;
  MariaDB's own index serves the LIKE.
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

PATTERN = [('va_cadre', 'name'), ('va_village', 'name'), ('va_reserve_candidate', 'name')]


def upgrade():
    op.create_index('ix_va_change_public', 'va_change', ['public'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table, column in PATTERN:
            op.create_index('ix_%s_%s_prefix' % (table, column), table, [column], unique=False,
                            postgresql_ops={column: 'varchar_pattern_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, column in PATTERN:
            op.drop_index('ix_%s_%s_prefix' % (table, column), table_name=table)
    op.drop_index('ix_va_change_public', table_name='va_change')
