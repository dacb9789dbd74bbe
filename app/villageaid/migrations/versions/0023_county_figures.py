"""county figures: the home page's and the coverage report's figures of whole
counties, kept for the scopes that see every county

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 20:30:00

`va_county_figure` holds per county the figures countyfigures.py computes
(training coverage per kind, villages below the reserve target, open and
overdue alerts per kind, follow-up money and visits to date) with the
county's version they were computed at; `va_county_version` the version
each write moves, one per county from the start (and per county created
later). The figures start empty: the first page that reads them fills them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'va_county_version',
        sa.Column('county_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('county_key'),
    )
    op.create_table(
        'va_county_figure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_key', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=120), nullable=False),
        sa.Column('figure', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('a', sa.BigInteger(), nullable=False),
        sa.Column('b', sa.BigInteger(), nullable=False),
        sa.Column('c', sa.Numeric(precision=14, scale=1), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_key', 'version', 'fingerprint', 'figure', 'key', name='uq_va_county_figure'),
    )
    op.create_index('ix_va_county_figure_county_key', 'va_county_figure', ['county_key'], unique=False)
    # a version for every county there is, and for what has none (key 0)
    op.execute("INSERT INTO va_county_version (county_key, version) "
               "SELECT id, 0 FROM va_division WHERE level = 'county'")
    op.execute("INSERT INTO va_county_version (county_key, version) VALUES (0, 0)")


def downgrade():
    op.drop_index('ix_va_county_figure_county_key', table_name='va_county_figure')
    op.drop_table('va_county_figure')
    op.drop_table('va_county_version')
