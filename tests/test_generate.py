"""`flask villageaid generate`: generated rows are valid, repeatable, and
never added to a database holding rows unless asked.

The generating tests write into databases of their own (temporary SQLite
files with an app each), not into the suite's shared database.
"""
import hashlib
import os
import re
import tempfile
from datetime import date

import pytest
from flask import g
from flask_login import login_user
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from app import MIGRATIONS_DIR, create_app, db
from villageaid import bootstrap, generate, rules, scope, writes
from villageaid.models import (
    Cadre,
    Division,
    FollowUpRecord,
    ReserveCandidate,
    ScopeAssignment,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)
from villageaid.validators import birth_date_of, check_id_number, check_phone

from .helpers import PASSWORD, api_token, count

SMALL = ["--towns", "4", "--units", "6", "--villages", "30", "--cadres", "150", "--sessions", "4",
         "--candidates", "60", "--followups", "120"]
SMALL_COUNTS = {Town: 4, Unit: 6, Village: 30, Cadre: 150, TrainingSession: 4, ReserveCandidate: 60,
                FollowUpRecord: 120}


_CREATED = []  # (server URL, database name) of the databases made here


def empty_database_url():
    """A new empty database: a temporary SQLite file, or — when the suite
    runs on PostgreSQL or MariaDB — a database of its own on that server,
    named after the test database, dropped at the end."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or url.startswith("sqlite"):
        return "sqlite:///" + os.path.join(tempfile.mkdtemp(), "generated.db")
    parsed = make_url(url)
    name = "%s_gen%d" % (parsed.database, len(_CREATED) + 1)
    server = parsed.set(database="postgres" if parsed.get_backend_name() == "postgresql" else None)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS %s" % name)
        extra = " CHARACTER SET utf8mb4" if parsed.get_backend_name() == "mysql" else ""
        conn.exec_driver_sql("CREATE DATABASE %s%s" % (name, extra))
    engine.dispose()
    _CREATED.append((server, name))
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module", autouse=True)
def drop_created_databases():
    yield
    for app in _APPS:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for server, name in _CREATED:
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS %s" % name)
        engine.dispose()
    _CREATED.clear()


pytestmark = pytest.mark.slow  # databases of its own

_APPS = []


def fresh_app():
    """An app on an empty, migrated database of its own."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": empty_database_url(), "TESTING": True, "RATELIMIT_ENABLED": False,
        "AUTH_RATE_LIMITED": False, "VILLAGEAID_NEW_CADRE_SINCE": date(2020, 1, 1),
        "VILLAGEAID_FOLLOWUP_EXIT_YEARS": [2017],
    })
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        bootstrap.ensure_user("admin", "Admin", password=PASSWORD)
        bootstrap.ensure_user("office", "Office", password=PASSWORD)
        db.session.remove()
    _APPS.append(app)
    return app


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["villageaid", "generate", *args])
    return result


@pytest.fixture(scope="module")
def generated():
    app = fresh_app()
    result = run(app, *SMALL, "--clerks", "2", "--clerk-cadres", "20")
    assert result.exit_code == 0, result.output
    return app, result.output


def table_digest(app):
    """SHA-256 of every domain table's rows, ordered by id."""
    digest = hashlib.sha256()
    with app.app_context():
        for model in generate.TABLES:
            table = model.__table__
            # the installation's county is made at the upgrade, stamped with its time
            columns = [c for c in table.c if model is not Division or c.name not in ("created_on", "changed_on")]
            for row in db.session.execute(select(*columns).order_by(table.c.id)):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def test_small_run_writes_the_counts_asked_for(generated):
    app, output = generated
    with app.app_context():
        for model, expected in SMALL_COUNTS.items():
            assert db.session.scalar(select(func.count()).select_from(model)) == expected, model
        assert db.session.scalar(select(func.count()).select_from(TrainingAttendance)) > 50
        admin = app.appbuilder.sm.find_user(username="admin")
        stamped = db.session.execute(select(Cadre.created_by_fk, Cadre.changed_by_fk, Cadre.row_version)).all()
        assert set(stamped) == {(admin.id, admin.id, 1)}
        # ids come from the sequences again after the explicit ids (PostgreSQL)
        town = Town(name="新建镇", kind="town")
        db.session.add(town)
        db.session.commit()
        assert town.id == 5
        db.session.delete(town)
        db.session.commit()
        db.session.remove()
    for table in ("va_town", "va_cadre", "va_followup_record"):
        assert re.search(r"%s\s+[\d,]+ rows\s+[\d.]+ s\s+[\d,]+ rows/s" % table, output), output


def test_generated_rows_pass_the_record_rules(generated):
    """Every generated row, loaded as the office would edit it, passes the
    write path's checks (writes.check); and the rules a single row cannot
    show hold too."""
    app, _output = generated
    with app.test_request_context():
        office = app.appbuilder.sm.find_user(username="office")
        login_user(office)
        g.user = office
        session = db.session
        for model in generate.TABLES:
            rows = session.scalars(select(model).order_by(model.id)).all()
            assert rows, model
            viewer = scope.current_viewer()
            assert viewer.sees_all
            for row in rows:
                assert writes.check(row, viewer, writes.snapshot(row)) == {}, (model.__tablename__, row.id)
            session.rollback()  # the checks may normalise values; keep nothing
        cadres = session.scalars(select(Cadre)).all()
        for cadre in cadres:
            assert check_id_number(cadre.id_number) == cadre.id_number
            assert check_phone(cadre.phone) == cadre.phone and len(cadre.phone) == 11
            assert (cadre.kind == "resident") == (cadre.unit_id is not None)
            assert cadre.village_id is not None
        assert len({c.id_number for c in cadres}) == len(cadres)
        assert {c.start_date >= date(2020, 1, 1) for c in cadres} == {True, False}
        villages = session.scalars(select(Village)).all()
        assert {v.poverty_status for v in villages} == {"poor", "non_poor"}
        assert any(v.exit_year == 2017 for v in villages)
        assert any(v.poverty_status == "non_poor" and v.registered_poor >= 100 for v in villages)
        for village in villages:
            assert (village.exit_year is None) == (village.poverty_status == "non_poor")
        # attendance: capacity, audience, one per session and cadre, some completed
        for ts in session.scalars(select(TrainingSession)):
            taken = session.scalar(select(func.count()).where(TrainingAttendance.training_session_id == ts.id))
            assert ts.capacity is None or taken <= ts.capacity
        attendance = session.scalars(select(TrainingAttendance)).all()
        assert all(a.training_session.admits(a.cadre) for a in attendance)
        assert len({(a.training_session_id, a.cadre_id) for a in attendance}) == len(attendance)
        assert any(a.completed for a in attendance)
        assert all(a.status == "attended" for a in attendance if a.completed)
        # candidates: birth date from the ID number, party after the 18th birthday
        candidates = session.scalars(select(ReserveCandidate)).all()
        for candidate in candidates:
            if candidate.id_number:
                assert birth_date_of(candidate.id_number) == candidate.birth_date
            if candidate.party_join_date:
                assert candidate.political_status in ("party_member", "probationary")
                assert candidate.party_join_date > rules.years_after(candidate.birth_date, 18)
        assert len({c.status for c in candidates}) >= 4
        # follow-up records: only villages of the follow-up set, from their exit year
        for record in session.scalars(select(FollowUpRecord)):
            assert record.village.exit_year == 2017 and record.date.year >= 2017
        funds = session.scalars(select(FollowUpRecord.funds).where(FollowUpRecord.funds.isnot(None))).all()
        assert funds and all(f == f.quantize(type(f)("0.01")) for f in funds)
        session.rollback()


def test_clerks_see_about_the_asked_number_of_cadres(generated):
    app, output = generated
    lines = re.findall(r"clerk (clerk\d+)\s+password (\S+)\s+sees (\d+) cadres; scope: (.+)", output)
    assert [line[0] for line in lines] == ["clerk001", "clerk002"], output
    with app.app_context():
        town_clerk = app.appbuilder.sm.find_user(username="clerk001")
        unit_clerk = app.appbuilder.sm.find_user(username="clerk002")
        assert [r.name for r in town_clerk.roles] == ["Clerk"]
        assigned = db.session.scalars(select(ScopeAssignment).where(ScopeAssignment.user_id == town_clerk.id))
        assert all(a.town_id and not a.unit_id for a in assigned)
        assigned = db.session.scalars(select(ScopeAssignment).where(ScopeAssignment.user_id == unit_clerk.id))
        assert all(a.unit_id and not a.town_id for a in assigned)
        db.session.remove()
    for username, password, seen, _scope in lines:
        assert len(password) >= 12
        assert all(re.search(p, password) for p in ("[A-Z]", "[a-z]", "[0-9]", "[^A-Za-z0-9]"))
        assert int(seen) >= 20
        # the clerk signs in with the printed password and the API lists as many cadres
        token = api_token(app, username, password)
        resp = app.test_client().get("/api/v1/cadre/?q=(page_size:1)",
                                     headers={"Authorization": "Bearer " + token})
        assert resp.status_code == 200
        assert resp.get_json()["count"] == int(seen)


def test_same_arguments_give_the_same_rows(generated):
    """A second empty database, the same counts and seed: the same rows
    (the clerks of the first run are users and scope, not domain rows)."""
    first, _output = generated
    second = fresh_app()
    assert run(second, *SMALL).exit_code == 0
    assert table_digest(second) == table_digest(first)


def test_another_seed_other_rows_and_a_second_run_needs_yes(generated):
    app = fresh_app()
    assert run(app, *SMALL, "--seed", "7").exit_code == 0
    before = table_digest(app)
    assert before != table_digest(generated[0])
    refused = run(app, *SMALL, "--seed", "8")
    assert refused.exit_code != 0
    assert "give --yes" in refused.output
    assert table_digest(app) == before
    # the same seed again would repeat names and ID numbers: refused, nothing written
    clash = run(app, *SMALL, "--seed", "7", "--yes")
    assert clash.exit_code != 0 and "another --seed" in clash.output
    assert table_digest(app) == before
    added = run(app, *SMALL, "--seed", "8", "--yes")
    assert added.exit_code == 0, added.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cadre)) == 300
        assert db.session.scalar(select(func.count()).select_from(FollowUpRecord)) == 240
        db.session.remove()


def test_refused_on_the_shared_database_holding_fixture_rows(app):
    before = count(Cadre), count(Village), count(Town)
    result = run(app, "--preset", "county")
    assert result.exit_code != 0
    assert "already holds rows" in result.output and "--yes" in result.output
    assert (count(Cadre), count(Village), count(Town)) == before


def test_bad_counts_are_refused_with_a_message(app):
    result = run(app, "--cadres", "-5")
    assert result.exit_code == 2 and "cannot be negative" in result.output
    result = run(app, "--villages", "0")
    assert result.exit_code == 2 and "need villages" in result.output
    result = run(app, "--preset", "province", "--scale", "0")
    assert result.exit_code == 2 and "greater than zero" in result.output
    assert count(Cadre) == 5


def test_a_province_run_makes_prefectures_and_counties_with_real_shaped_names():
    """Every town and unit under a county of its own code; the counties in
    prefectures of one province; 城关镇 and 县委办公室 in every county; the
    installation's county (made by the upgrade) left as it was."""
    app = fresh_app()
    result = run(app, "--preset", "province", "--prefectures", "3", "--counties", "6", "--towns", "12",
                 "--units", "12", "--villages", "24", "--cadres", "30", "--sessions", "2", "--candidates", "6",
                 "--followups", "10")
    assert result.exit_code == 0, result.output
    with app.app_context():
        s = db.session
        counties = s.scalars(select(Division).where(
            Division.id.in_(select(Town.county_id)) | Division.id.in_(select(Unit.county_id)))).all()
        assert len(counties) == 6
        assert {c.level for c in counties} == {"county"}
        assert all(c.code[:4] == c.parent.code[:4] and c.parent.level == "prefecture" for c in counties)
        prefectures = {c.parent for c in counties}
        assert len(prefectures) == 3
        assert len({p.parent_id for p in prefectures}) == 1
        province = prefectures.pop().parent
        assert province.level == "province" and province.code.endswith("0000") and province.name.endswith(("省", "市", "区"))
        assert s.scalar(select(func.count()).where(Town.name == "城关镇")) == 6
        assert s.scalar(select(func.count()).where(Unit.name == "县委办公室")) == 6
        for village in s.scalars(select(Village)):
            assert village.area_code[:6] == village.town.county.code and len(village.area_code) == 12
        assert s.scalar(select(func.count()).select_from(Division).where(Division.code == "530428")) == 1
        db.session.remove()


def test_id_numbers_carry_the_gb11643_check_digit():
    from stdnum.cn import ric

    for body in ("53042819800101001", "11010519491231002", "44030420001229999"):
        assert generate.check_digit(body) == ric.calc_check_digit(body + "0")
