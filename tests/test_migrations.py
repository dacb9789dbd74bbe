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
from datetime import date
from decimal import Decimal

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from app import MIGRATIONS_DIR, create_app
from villageaid import bootstrap
from villageaid.models import (
    Cadre, ExportReceipt, FollowUpRecord, ReserveCandidate, TrainingAttendance, TrainingSession, Village,
)

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


def every_row(engine):
    """{table: sorted rows} of every table but alembic_version."""
    with engine.connect() as conn:
        return {
            name: sorted((tuple(r) for r in conn.execute(text("SELECT * FROM %s" % name))), key=repr)
            for name in inspect(engine).get_table_names()
            if name != "alembic_version"
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


def add_records():
    """A row in every table of the add-on, through the models."""
    s = helpers.sqla().session
    v1 = s.query(Village).filter_by(name="甲村").one()
    c1 = s.query(Cadre).filter_by(name="张一").one()
    session = TrainingSession(title="旧库班次", start_date=date(2021, 4, 1), end_date=date(2021, 4, 2), hours=8,
                              audience="both")
    s.add_all([
        session,
        TrainingAttendance(training_session=session, cadre=c1, status="attended", completed=True),
        ReserveCandidate(village=v1, name="旧库人选", gender="female", education="bachelor",
                         political_status="masses", background="other", target_post="member"),
        FollowUpRecord(village=v1, date=date(2021, 3, 1), kind="funds", funds=Decimal("12.34"),
                       rectification="none"),
        ExportReceipt(list_name="旧库导出", endpoint="VillageView.export", row_count=3, encoding="utf-8",
                      sha256="0" * 64, complete=True),
    ])
    s.commit()


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
        helpers.build_fixture()
        bootstrap.ensure_user("clerk_town", "Clerk", password=helpers.PASSWORD)
        bootstrap.assign_scope("clerk_town", ["甲镇"], [])
        add_records()
        before = every_row(engine)
        assert all(before[t] for t in ("va_village", "va_cadre", "va_training_attendance", "va_reserve_candidate",
                                       "va_followup_record", "va_export_receipt", "va_scope_assignment", "ab_user"))

        upgrade(directory=MIGRATIONS_DIR, revision="heads")

        assert every_row(engine) == before
        assert versions(engine) == {"0005"} == fresh_versions
        assert schema(engine) == fresh_schema
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR))
        assert set(script.get_heads()) == {"fab_0001", "0005"}
        assert script.get_revision("villageaid@head").revision == "0005"
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
