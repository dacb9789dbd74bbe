"""The migrations: FAB's tables on the host's branch (label `fab`), the
add-on's on its own (label `villageaid`, inside the package).

A database made before the split (one chain 0001-0005 creating both, kept
in tests/data/old_migrations) moves to the new layout with
`flask db upgrade heads` without losing a row: the add-on's branch kept the
revision ids, and its first revision depends on the `fab` branch, so a
database at 0005 already counts as having FAB's tables.

Runs on the database of the suite (TEST_DATABASE_URL): on PostgreSQL and
MariaDB in scratch databases next to it.
"""
import os
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash
from sqlalchemy import MetaData, inspect, text

from app import MIGRATIONS_DIR, create_app
from villageaid import bootstrap

from . import helpers
from .conftest import TEST_SETTINGS
from .helpers import scratch_database

OLD_MIGRATIONS = os.path.join(os.path.dirname(__file__), "data", "old_migrations")

pytestmark = pytest.mark.slow


@contextmanager
def app_on(url):
    """The project's app on `url`; its connections closed at the end (so
    that the scratch database can be dropped)."""
    app = create_app(dict(TEST_SETTINGS, SQLALCHEMY_DATABASE_URI=url))
    try:
        yield app
    finally:
        with app.app_context():
            sqla = app.extensions["sqlalchemy"]
            sqla.session.remove()
            sqla.engine.dispose()


def columns(engine):
    """{table: column names} of every table but alembic_version."""
    insp = inspect(engine)
    return {name: [c["name"] for c in insp.get_columns(name)]
            for name in insp.get_table_names() if name != "alembic_version"}


def every_row(engine, of=None):
    """{table: sorted rows} of every table but alembic_version, in the
    columns `of` names ({table: [column]}; default: all): later revisions
    may add columns, never change what was there."""
    of = of or columns(engine)
    with engine.connect() as conn:
        return {
            name: sorted((tuple(r) for r in conn.execute(text("SELECT %s FROM %s" % (", ".join(cols), name)))), key=repr)
            for name, cols in of.items()
        }


def schema(engine):
    insp = inspect(engine)
    return {
        name: sorted((c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name))
        for name in insp.get_table_names()
    }


def versions(engine):
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}


def fill_old_database(engine, clerk_role_id):
    """A clerk (clerk_town) and a row in every table of the add-on, written
    in the former schema's own columns (the models, and the add-on's user
    handling, have grown tables and columns the old schema lacks)."""
    meta = MetaData()
    meta.reflect(engine)
    now = datetime(2021, 1, 1, 8, 0, 0)
    audit = dict(created_on=now, changed_on=now, row_version=1)
    with engine.begin() as conn:
        def add(table, **values):
            return conn.execute(meta.tables[table].insert().values(**values)).inserted_primary_key[0]

        clerk_id = add("ab_user", first_name="clerk_town", last_name="", username="clerk_town",
                       password=generate_password_hash(helpers.PASSWORD), active=True,
                       email="clerk_town@villageaid.invalid", created_on=now, changed_on=now)
        add("ab_user_role", user_id=clerk_id, role_id=clerk_role_id)
        t1 = add("va_town", name="甲镇", kind="town", code="T1", **audit)
        t2 = add("va_town", name="乙乡", kind="township", code="T2", **audit)
        u1 = add("va_unit", name="一局", category="government", **audit)
        v1 = add("va_village", name="甲村", town_id=t1, unit_id=u1, poverty_status="poor", exit_year=2017,
                 registered_poor=150, **audit)
        add("va_village", name="乙村", town_id=t2, poverty_status="non_poor", registered_poor=120, **audit)
        c1 = add("va_cadre", name="张一", gender="male", id_number="530428198001010015", phone="13812345678",
                 kind="village", post="secretary", village_id=v1, start_date=date(2020, 6, 1), status="active", **audit)
        s1 = add("va_training_session", title="旧库班次", start_date=date(2021, 4, 1), end_date=date(2021, 4, 2),
                 hours=Decimal("8"), audience="both", **audit)
        add("va_training_attendance", training_session_id=s1, cadre_id=c1, status="attended", completed=True, **audit)
        add("va_reserve_candidate", village_id=v1, name="旧库人选", gender="female", education="bachelor",
            political_status="masses", background="other", target_post="member", status="identified", **audit)
        add("va_followup_record", village_id=v1, date=date(2021, 3, 1), kind="funds", funds=1234,
            rectification="none", **audit)
        add("va_export_receipt", created_on=now, list_name="旧库导出", endpoint="VillageView.export", row_count=3,
            encoding="utf-8", sha256="0" * 64, complete=True)
        add("va_scope_assignment", user_id=clerk_id, town_id=t1, **audit)


def test_a_database_made_by_the_former_migrations_moves_to_the_branches():
    with scratch_database("mig_new") as new_url, app_on(new_url) as app, app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        engine = app.extensions["sqlalchemy"].engine
        fresh_schema, fresh_versions = schema(engine), versions(engine)

    with scratch_database("mig_old") as old_url, app_on(old_url) as app:
        moved_to_the_branches(app, fresh_schema, fresh_versions)


def moved_to_the_branches(app, fresh_schema, fresh_versions):
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        old = Config(os.path.join(OLD_MIGRATIONS, "alembic.ini"))
        old.set_main_option("script_location", OLD_MIGRATIONS)
        command.upgrade(old, "0005")
        assert versions(engine) == {"0005"}
        bootstrap.init_permissions()
        fill_old_database(engine, app.appbuilder.sm.find_role("Clerk").id)
        old_columns = columns(engine)
        before = every_row(engine, old_columns)
        assert all(before[t] for t in ("va_village", "va_cadre", "va_training_attendance", "va_reserve_candidate",
                                       "va_followup_record", "va_export_receipt", "va_scope_assignment", "ab_user"))

        upgrade(directory=MIGRATIONS_DIR, revision="heads")

        # what later revisions replaced (a column turned into another) is left out
        kept = {t: [c for c in cols if c in columns(engine).get(t, [])] for t, cols in old_columns.items()}
        # amounts move from hundredths of 万元 to fen: 12.34 万元 stays 12.34 万元
        funds = old_columns["va_followup_record"].index("funds")
        before["va_followup_record"] = [r[:funds] + (r[funds] * 10000,) + r[funds + 1:]
                                        for r in before["va_followup_record"]]
        assert every_row(engine, kept) == {t: sorted((tuple(r[old_columns[t].index(c)] for c in kept[t]) for r in rows), key=repr)
                                           for t, rows in before.items()}
        # every town and unit belongs to the installation's county, made by the upgrade
        with engine.connect() as conn:
            home = conn.execute(text("SELECT d.id, d.level, p.code, p.level, q.code FROM va_division d "
                                     "JOIN va_division p ON p.id = d.parent_id "
                                     "JOIN va_division q ON q.id = p.parent_id WHERE d.code = '530428'")).one()
            assert tuple(home[1:]) == ("county", "530400", "prefecture", "530000")
            owners = conn.execute(text("SELECT county_id FROM va_town UNION ALL SELECT county_id FROM va_unit"))
            assert set(owners.scalars()) == {home[0]}
        # the monthly sums are filled from the records
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT m.year, m.month, m.records, m.funds FROM va_followup_month m "
                "JOIN va_followup_record r ON r.village_id = m.village_id")).all() == [(2021, 3, 1, 12340000)]
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR))
        head = script.get_revision("villageaid@head").revision
        assert versions(engine) == {head} == fresh_versions
        assert schema(engine) == fresh_schema
        assert set(script.get_heads()) == {"fab_0001", head}
        # the former chain's last revision is on the add-on's branch
        assert "0005" in {r.revision for r in script.iterate_revisions(head, "base")}
        assert script.get_revision("fab@head").revision == "fab_0001"
    # and the application works on it: the clerk sees its village only
    html = helpers.Browser(app, "clerk_town").get("/villageview/list/").get_data(as_text=True)
    assert ">甲村<" in html and ">乙村<" not in html


def test_the_branches_alone_build_the_models_schema():
    """A fresh database: FAB's tables from the host, the add-on's from its
    branch, nothing missing against the models."""
    from flask_appbuilder import Model

    with scratch_database("mig_fresh") as url, app_on(url) as app, app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        names = set(inspect(app.extensions["sqlalchemy"].engine).get_table_names())
    assert set(Model.metadata.tables) <= names
    assert {n for n in names if n.startswith("va_")} == {n for n in Model.metadata.tables if n.startswith("va_")}
