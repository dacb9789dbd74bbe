"""Start-up, CLI and demo data."""
import datetime
from decimal import Decimal
import os
import tempfile

import pytest

from app import AddonLoadError, create_app
from villageaid.models import ScopeAssignment

from .helpers import count


def test_a_broken_plugin_stops_start_up():
    with pytest.raises(AddonLoadError) as info:
        create_app({"ADDON_MANAGERS": ["villageaid.no_such_module.Manager"],
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "no_such_module" in str(info.value)


def test_download_route_serves_nothing(browser):
    assert browser("office").get("/villageview/download/secret_key").status_code == 404


def test_assign_scope_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["villageaid", "assign-scope", "clerk_none", "--town", "乙乡", "--unit", "二局"])
    assert result.exit_code == 0, result.output
    assert "乙乡" in result.output and "二局" in result.output
    assert count(ScopeAssignment, ScopeAssignment.note.is_(None)) >= 2
    result = runner.invoke(args=["villageaid", "assign-scope", "clerk_none", "--town", "无此镇"])
    assert result.exit_code != 0 and "无此镇" in result.output
    result = runner.invoke(args=["villageaid", "assign-scope", "nobody", "--town", "乙乡"])
    assert result.exit_code != 0


@pytest.mark.slow
def test_demo_data_on_a_fresh_database():
    """`flask villageaid demo` on an empty database: a county, and a clerk who
    sees only its town's and unit's villages."""
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR, db
    from villageaid import bootstrap, demo
    from villageaid.models import Cadre, Village
    from villageaid.validators import check_id_number, check_phone

    path = os.path.join(tempfile.mkdtemp(), "demo.db")
    demo_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + path, "RATELIMIT_ENABLED": False,
                           "AUTH_RATE_LIMITED": False, "TESTING": True,
                           "VILLAGEAID_REFERENCE_DATE": datetime.date(2021, 11, 30)})
    with demo_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        result = demo_app.test_cli_runner().invoke(args=["villageaid", "demo"])
        assert result.exit_code == 0, result.output
        assert "demo user clerk" in result.output
        villages = db.session.query(Village).all()
        cadres = db.session.query(Cadre).all()
        assert 40 <= len(villages) <= 60 and 150 <= len(cadres) <= 250
        assert any(v.exit_year == 2017 for v in villages)
        assert any(v.is_focus() for v in villages)
        assert all(check_id_number(c.id_number) == c.id_number for c in cadres)
        assert all(check_phone(c.phone) == c.phone for c in cadres)
        assert len({c.id_number for c in cadres}) == len(cadres)
        password = [line.split()[4] for line in result.output.splitlines() if "demo user clerk" in line][0]
        # training: a realistic partial coverage; reserve: issues and villages below target
        from villageaid import eligibility, reserve
        from villageaid.models import ReserveCandidate, TrainingAttendance

        assert db.session.query(TrainingAttendance).count() > 50
        completed = {a.cadre_id for a in db.session.query(TrainingAttendance).filter_by(completed=True)}
        assert 0.3 * len(cadres) < len(completed) < 0.8 * len(cadres)
        # each training case: township cadres, a session still to come with
        # enrolments, one without hours, completions that do not count
        from villageaid.models import TrainingSession

        assert sum(1 for c in cadres if c.kind == "township" and c.town is not None and c.village is None) >= 10
        upcoming = [s for s in db.session.query(TrainingSession) if s.end_date > datetime.date(2021, 11, 30)]
        assert upcoming and all(a.training_session.capacity for a in db.session.query(TrainingAttendance)
                                if a.training_session in upcoming)
        assert db.session.query(TrainingAttendance).filter(
            TrainingAttendance.training_session_id.in_([s.id for s in upcoming])).count() == upcoming[0].capacity
        assert db.session.query(TrainingSession).filter(TrainingSession.hours.is_(None)).count() >= 1
        not_counted = [c for c in cadres if c.id in completed and c.trained_on is None]
        assert any((c.village.town if c.village else c.town).name == demo.DEMO_CLERK_TOWN for c in not_counted)
        candidates = db.session.query(ReserveCandidate).all()
        assert len({c.village_id for c in candidates}) > 0.7 * len(villages)
        assert 0 < db.session.query(ReserveCandidate).filter(eligibility.issues_condition()).count() < len(candidates)
        assert 0 < db.session.query(Village).filter(reserve.below_target_condition()).count() < len(villages)
        # follow-up: every alert kind appears
        from villageaid import followup, scope

        office = scope.Viewer(user_id=0, sees_all=True)  # as the office sees it
        kinds = {a.kind for a in followup.alerts(office)}
        assert kinds == {"less_funds", "fewer_visits", "no_recent_visit", "no_record", "no_cadre", "no_unit"}
        # the cases the office looks for: 350.50 yuan kept exactly, an empty
        # year in the range, a focus village in the follow-up set
        from villageaid.models import FollowUpRecord

        assert db.session.query(FollowUpRecord).filter_by(funds=Decimal("0.03505")).count() == 1
        rows = followup.yearly_rows(office)
        assert any(r["empty"] and r["year"] == 2020 for r in rows)
        assert any(v.followup_since for v in villages) and {r["year"] for r in rows} <= set(range(2017, 2022))
        # last period's alert, closed; its condition still holds: a new one opens this period
        from villageaid.models import FollowUpAlert

        closed = db.session.query(FollowUpAlert).filter_by(status="closed").one()
        system = scope.Viewer(sees_all=True)  # as the scheduled command stores them
        followup.store_alerts(system, followup.alerts(system), path="cli")
        assert db.session.query(FollowUpAlert).filter_by(village_id=closed.village_id, kind="fewer_visits",
                                                         period="2021-11", status="open").count() == 1
        expected = {v.name for v in villages if v.town.name == demo.DEMO_CLERK_TOWN or (v.unit and v.unit.name == demo.DEMO_CLERK_UNIT)}
        # a second run leaves the data alone
        again = demo_app.test_cli_runner().invoke(args=["villageaid", "demo"])
        assert "not loaded" in again.output
        db.session.remove()
    from .helpers import Browser
    b = Browser(demo_app)
    b.login("clerk", password)
    html = b.get("/villageview/list/?psize_VillageView=100").get_data(as_text=True)
    all_names = {v.name for v in villages}
    assert {n for n in all_names if ">%s<" % n in html} == expected


def test_plugin_assets_are_served_locally(browser):
    b = browser("clerk_town")
    html = b.get("/villageview/list/").get_data(as_text=True)
    for asset in ("villageaid.js", "villageaid.css"):
        url = "/villageaid/static/" + asset
        assert url in html
        assert b.get(url).status_code == 200
    # nothing is loaded from another host
    assert "https://" not in html and "http://" not in html.replace("http://localhost", "")
