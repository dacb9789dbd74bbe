"""village-aid reference data: towns, units, scope assignments, villages, cadres

The add-on's branch (label ``villageaid``). It needs FAB's tables (ab_user
above all), which the host creates on its branch labelled ``fab``.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 09:59:09.038115

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = ('villageaid',)
depends_on = 'fab'


def upgrade():
    op.create_table('va_town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('va_town', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_town_kind'), ['kind'], unique=False)

    op.create_table('va_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=50), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('va_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_unit_category'), ['category'], unique=False)

    op.create_table('va_scope_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(town_id IS NULL) <> (unit_id IS NULL)', name='ck_va_scope_one_target'),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['va_town.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['va_unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'town_id', 'unit_id', name='uq_va_scope_assignment')
    )
    with op.batch_alter_table('va_scope_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_scope_assignment_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_scope_assignment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_scope_assignment_user_id'), ['user_id'], unique=False)

    op.create_table('va_village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('poverty_status', sa.String(length=20), nullable=False),
    sa.Column('exit_year', sa.Integer(), nullable=True),
    sa.Column('registered_poor', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('registered_poor >= 0', name='ck_va_village_registered_poor'),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['va_town.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['va_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('town_id', 'name', name='uq_va_village_town_name')
    )
    with op.batch_alter_table('va_village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_village_exit_year'), ['exit_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_village_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_village_poverty_status'), ['poverty_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_village_registered_poor'), ['registered_poor'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_village_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_village_unit_id'), ['unit_id'], unique=False)

    op.create_table('va_cadre',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('post', sa.String(length=30), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['va_unit.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['va_village.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_number')
    )
    with op.batch_alter_table('va_cadre', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_va_cadre_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_post'), ['post'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_va_cadre_village_id'), ['village_id'], unique=False)


def downgrade():
    with op.batch_alter_table('va_cadre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_cadre_village_id'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_unit_id'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_status'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_start_date'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_post'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_name'))
        batch_op.drop_index(batch_op.f('ix_va_cadre_kind'))

    op.drop_table('va_cadre')
    with op.batch_alter_table('va_village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_village_unit_id'))
        batch_op.drop_index(batch_op.f('ix_va_village_town_id'))
        batch_op.drop_index(batch_op.f('ix_va_village_registered_poor'))
        batch_op.drop_index(batch_op.f('ix_va_village_poverty_status'))
        batch_op.drop_index(batch_op.f('ix_va_village_name'))
        batch_op.drop_index(batch_op.f('ix_va_village_exit_year'))

    op.drop_table('va_village')
    with op.batch_alter_table('va_scope_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_scope_assignment_user_id'))
        batch_op.drop_index(batch_op.f('ix_va_scope_assignment_unit_id'))
        batch_op.drop_index(batch_op.f('ix_va_scope_assignment_town_id'))

    op.drop_table('va_scope_assignment')
    with op.batch_alter_table('va_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_unit_category'))

    op.drop_table('va_unit')
    with op.batch_alter_table('va_town', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_va_town_kind'))

    op.drop_table('va_town')
