"""training: when a cadre became trained, township cadres, optional hours

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    # plain ADD COLUMN, no table copy (other tables refer to va_cadre); SQLite
    # cannot add a foreign key to an existing table, so there the town is a
    # plain integer
    town = [] if sqlite else [sa.ForeignKey('va_town.id', name='fk_va_cadre_own_town')]
    op.add_column('va_cadre', sa.Column('own_town_id', sa.Integer(), *town, nullable=True))
    op.create_index('ix_va_cadre_own_town_id', 'va_cadre', ['own_town_id'], unique=False)
    op.add_column('va_cadre', sa.Column('trained_on', sa.Date(), nullable=True))
    op.create_index('ix_va_cadre_trained_on', 'va_cadre', ['trained_on'], unique=False)

    # session hours become optional
    if sqlite:
        # SQLite cannot drop a NOT NULL in place and the table cannot be
        # copied (attendance refers to it): the documented way to remove a
        # NOT NULL constraint is to edit the stored table definition
        version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
        bind.exec_driver_sql('PRAGMA writable_schema=ON')
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name='va_training_session'").scalar()
        changed = sql.replace('hours NUMERIC(6, 1) NOT NULL', 'hours NUMERIC(6, 1)')
        if changed != sql:
            bind.exec_driver_sql(
                "UPDATE sqlite_master SET sql=? WHERE type='table' AND name='va_training_session'", (changed,))
            bind.exec_driver_sql('PRAGMA schema_version=%d' % (version + 1))
        bind.exec_driver_sql('PRAGMA writable_schema=OFF')
    else:
        op.alter_column('va_training_session', 'hours', existing_type=sa.Numeric(precision=6, scale=1),
                        nullable=True)

    # the date each cadre became trained: its first completed attendance of
    # a session that did not end before it started in post
    cadre = sa.table('va_cadre', sa.column('id', sa.Integer), sa.column('start_date', sa.Date),
                     sa.column('trained_on', sa.Date))
    attendance = sa.table('va_training_attendance', sa.column('cadre_id', sa.Integer),
                          sa.column('training_session_id', sa.Integer), sa.column('completed', sa.Boolean),
                          sa.column('deleted_on', sa.DateTime))
    session = sa.table('va_training_session', sa.column('id', sa.Integer), sa.column('end_date', sa.Date),
                       sa.column('deleted_on', sa.DateTime))
    first = (
        sa.select(sa.func.min(session.c.end_date))
        .select_from(attendance.join(session, session.c.id == attendance.c.training_session_id))
        .where(attendance.c.cadre_id == cadre.c.id, attendance.c.completed == sa.true(),
               attendance.c.deleted_on.is_(None), session.c.deleted_on.is_(None),
               session.c.end_date >= cadre.c.start_date)
        .scalar_subquery()
    )
    op.execute(cadre.update().values(trained_on=first))


def downgrade():
    op.drop_index('ix_va_cadre_trained_on', table_name='va_cadre')
    op.drop_index('ix_va_cadre_own_town_id', table_name='va_cadre')
    with op.batch_alter_table('va_cadre', schema=None) as batch_op:
        batch_op.drop_column('trained_on')
        batch_op.drop_column('own_town_id')
