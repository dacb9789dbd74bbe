"""follow-up: money exact to the fen, monthly sums, stored alerts, focus villages in the follow-up set

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:30:00

Amounts were kept in hundredths of 万元; they are now kept in fen
(hundredths of a yuan, six decimals of 万元): every stored amount is
multiplied by 10,000, without loss. The monthly sums are filled from the
live records.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FEN_PER_HUNDREDTH = 10000  # 0.01 万元 = 100 元 = 10,000 分

records = sa.table(
    'va_followup_record',
    sa.column('id', sa.Integer), sa.column('village_id', sa.Integer), sa.column('date', sa.Date),
    sa.column('kind', sa.String), sa.column('funds', sa.BigInteger), sa.column('households_visited', sa.Integer),
    sa.column('rectification', sa.String), sa.column('deleted_on', sa.DateTime),
)


def upgrade():
    op.execute(records.update().where(records.c.funds.isnot(None))
               .values(funds=records.c.funds * FEN_PER_HUNDREDTH))

    op.add_column('va_village', sa.Column('followup_since', sa.Date(), nullable=True))
    op.create_index('ix_va_village_followup_since', 'va_village', ['followup_since'], unique=False)

    months = op.create_table(
        'va_followup_month',
        sa.Column('village_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('households', sa.Integer(), nullable=False),
        sa.Column('funds', sa.BigInteger(), nullable=False),  # Money: fen
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('problems_open', sa.Integer(), nullable=False),
        sa.Column('problems_closed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['village_id'], ['va_village.id'], ),
        sa.PrimaryKeyConstraint('village_id', 'year', 'month'),
    )
    op.create_index(op.f('ix_va_followup_month_year'), 'va_followup_month', ['year'], unique=False)
    r = records.c
    year, month = sa.extract('year', r.date), sa.extract('month', r.date)
    source = (
        sa.select(
            r.village_id, year, month, sa.func.count(r.id),
            sa.func.coalesce(sa.func.sum(sa.case((r.kind == 'visit', 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(r.households_visited), 0),
            sa.func.coalesce(sa.func.sum(r.funds), 0),
            sa.func.coalesce(sa.func.sum(sa.case((r.kind == 'project', 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((r.rectification == 'in_progress', 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((r.rectification == 'done', 1), else_=0)), 0),
        )
        .where(r.deleted_on.is_(None))
        .group_by(r.village_id, year, month)
    )
    op.execute(months.insert().from_select(
        ['village_id', 'year', 'month', 'records', 'visits', 'households', 'funds', 'projects', 'problems_open',
         'problems_closed'], source))

    op.create_table(
        'va_followup_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('raised_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('responsible_unit_id', sa.Integer(), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
        sa.Column('created_by_fk', sa.Integer(), nullable=True),
        sa.Column('changed_by_fk', sa.Integer(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['responsible_unit_id'], ['va_unit.id'], ),
        sa.ForeignKeyConstraint(['town_id'], ['va_town.id'], ),
        sa.ForeignKeyConstraint(['village_id'], ['va_village.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('village_id', 'kind', 'period', name='uq_va_followup_alert'),
    )
    for column in ('village_id', 'town_id', 'kind', 'period', 'raised_on', 'status', 'responsible_unit_id',
                   'deadline'):
        op.create_index(op.f('ix_va_followup_alert_%s' % column), 'va_followup_alert', [column], unique=False)


def downgrade():
    for column in ('village_id', 'town_id', 'kind', 'period', 'raised_on', 'status', 'responsible_unit_id',
                   'deadline'):
        op.drop_index(op.f('ix_va_followup_alert_%s' % column), table_name='va_followup_alert')
    op.drop_table('va_followup_alert')
    op.drop_index(op.f('ix_va_followup_month_year'), table_name='va_followup_month')
    op.drop_table('va_followup_month')
    op.drop_index('ix_va_village_followup_since', table_name='va_village')
    with op.batch_alter_table('va_village', schema=None) as batch_op:
        batch_op.drop_column('followup_since')
    # back to hundredths of 万元: refused while an amount has fen in it
    bind = op.get_bind()
    inexact = bind.scalar(sa.select(sa.func.count()).select_from(records)
                          .where(records.c.funds.isnot(None), records.c.funds % FEN_PER_HUNDREDTH != 0))
    if inexact:
        raise RuntimeError("%d follow-up amounts are exact to the yuan or fen; the older schema cannot keep them"
                           % inexact)
    op.execute(records.update().where(records.c.funds.isnot(None))
               .values(funds=records.c.funds / FEN_PER_HUNDREDTH))
