"""hierarchy: administrative divisions (province, prefecture, county) above
the town; towns and units belong to a county (unique by name within it);
a village's statistical area code; scope assignable to a division

Towns and units already recorded are put in the installation's county
(VILLAGEAID_HOME_COUNTY), made here with its province and prefecture.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 09:40:00

"""
from contextlib import contextmanager
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# the default of VILLAGEAID_HOME_COUNTY (defaults.py)
HOME_COUNTY = [["530000", "云南省"], ["530400", "玉溪市"], ["530428", "元江哈尼族彝族傣族自治县"]]
OLD_CHECK = "(town_id IS NULL) <> (unit_id IS NULL)"
NEW_CHECK = ("(CASE WHEN town_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END)"
             " + (CASE WHEN division_id IS NULL THEN 0 ELSE 1 END) = 1")
# SQLite keeps the former unique constraints unnamed: named here to drop them
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def home_county():
    try:
        from flask import current_app

        return current_app.config.get("VILLAGEAID_HOME_COUNTY") or HOME_COUNTY
    except RuntimeError:  # no application: the default
        return HOME_COUNTY


def level_of(code):
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def make_home_county(bind, division):
    """The home province, prefecture and county; returns the county's id."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    parent = None
    for code, name in home_county():
        code, name = str(code), str(name)
        found = bind.execute(sa.select(division.c.id).where(division.c.code == code)).scalar()
        if found is None:
            bind.execute(division.insert().values(code=code, name=name, level=level_of(code), parent_id=parent,
                                                  created_on=now, changed_on=now, row_version=1))
            found = bind.execute(sa.select(division.c.id).where(division.c.code == code)).scalar()
        parent = found
    return parent


@contextmanager
def tables_copied(bind):
    """SQLite changes these tables by copying them (batch mode), which other
    tables' rows refer to: foreign keys are off meanwhile (SQLite's own
    procedure; the pragma takes effect outside a transaction only) and
    checked after. Elsewhere: nothing to do."""
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.driver_connection
    if raw.in_transaction:
        raw.commit()
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    try:
        yield
        problems = bind.exec_driver_sql('PRAGMA foreign_key_check').all()
        if problems:
            raise RuntimeError('foreign keys broken by the table copy: %r' % problems[:5])
    finally:
        if raw.in_transaction:
            raw.commit()
        bind.exec_driver_sql('PRAGMA foreign_keys=ON')


def unique_name_constraint(bind, table):
    """The name of the former unique constraint on `table`.name."""
    for constraint in sa.inspect(bind).get_unique_constraints(table):
        if constraint['column_names'] == ['name']:
            return constraint['name']
    return None


def upgrade():
    bind = op.get_bind()
    division = op.create_table('va_division',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_fk', sa.Integer(), nullable=True),
    sa.Column('changed_by_fk', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['created_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['va_division.id'], name='fk_va_division_parent'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('parent_id', 'name', name='uq_va_division_parent_name')
    )
    op.create_index('ix_va_division_name', 'va_division', ['name'], unique=False)
    op.create_index('ix_va_division_level', 'va_division', ['level'], unique=False)
    op.create_index('ix_va_division_parent_id', 'va_division', ['parent_id'], unique=False)
    county = make_home_county(bind, division)
    with tables_copied(bind):
        copy_tables(bind, county)


def copy_tables(bind, county):
    sqlite = bind.dialect.name == 'sqlite'
    for table in ('va_town', 'va_unit'):
        op.add_column(table, sa.Column('county_id', sa.Integer(), nullable=True))
        op.execute(sa.text('UPDATE %s SET county_id = :county' % table).bindparams(county=county))
        old = None if sqlite else unique_name_constraint(bind, table)
        with op.batch_alter_table(table, naming_convention=NAMING if sqlite else None) as batch_op:
            batch_op.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key('fk_%s_county' % table, 'va_division', ['county_id'], ['id'])
            if sqlite:
                batch_op.drop_constraint('uq_%s_name' % table, type_='unique')
            elif old:
                batch_op.drop_constraint(old, type_='unique')
            batch_op.create_unique_constraint('uq_%s_county_name' % table, ['county_id', 'name'])
            batch_op.create_index('ix_%s_county_id' % table, ['county_id'], unique=False)
            batch_op.create_index('ix_%s_name' % table, ['name'], unique=False)

    op.add_column('va_village', sa.Column('area_code', sa.String(length=12), nullable=True))
    if sqlite:
        op.create_index('uq_va_village_area_code', 'va_village', ['area_code'], unique=True)
    else:
        op.create_unique_constraint('uq_va_village_area_code', 'va_village', ['area_code'])

    with op.batch_alter_table('va_scope_assignment') as batch_op:
        batch_op.add_column(sa.Column('division_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_va_scope_assignment_division', 'va_division', ['division_id'], ['id'])
        batch_op.create_index('ix_va_scope_assignment_division_id', ['division_id'], unique=False)
        if not sqlite:  # SQLite's table copy leaves the former check behind
            batch_op.drop_constraint('ck_va_scope_one_target', type_='check')
        batch_op.create_check_constraint('ck_va_scope_one_target', NEW_CHECK)


def downgrade():
    bind = op.get_bind()
    with tables_copied(bind):
        copy_back(bind)
    op.drop_table('va_division')


def copy_back(bind):
    sqlite = bind.dialect.name == 'sqlite'
    op.execute(sa.text('DELETE FROM va_scope_assignment WHERE division_id IS NOT NULL'))
    with op.batch_alter_table('va_scope_assignment') as batch_op:
        if not sqlite:
            batch_op.drop_constraint('ck_va_scope_one_target', type_='check')
        batch_op.drop_index('ix_va_scope_assignment_division_id')
        batch_op.drop_constraint('fk_va_scope_assignment_division', type_='foreignkey')
        batch_op.drop_column('division_id')
        batch_op.create_check_constraint('ck_va_scope_one_target', OLD_CHECK)
    if sqlite:
        op.drop_index('uq_va_village_area_code', table_name='va_village')
    else:
        op.drop_constraint('uq_va_village_area_code', 'va_village', type_='unique')
    with op.batch_alter_table('va_village') as batch_op:
        batch_op.drop_column('area_code')
    for table in ('va_town', 'va_unit'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index('ix_%s_name' % table)
            batch_op.drop_index('ix_%s_county_id' % table)
            batch_op.drop_constraint('uq_%s_county_name' % table, type_='unique')
            batch_op.drop_constraint('fk_%s_county' % table, type_='foreignkey')
            batch_op.drop_column('county_id')
            batch_op.create_unique_constraint('uq_%s_name' % table, ['name'])
