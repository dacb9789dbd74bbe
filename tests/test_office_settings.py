"""Office parameters (参数设置): kept in the database, edited by the office
on a screen checked per kind, recorded in the change history; the database
wins over the host configuration, which wins over the default."""
import json
import re
from datetime import date

import pytest

from villageaid import defaults, settings
from villageaid.models import ChangeRecord, OfficeSetting
from villageaid.scope import Viewer

from .helpers import count, database

URL = "/villageaid/settings/"


def edit_url(name):
    return "%s%s/edit" % (URL, name)


def version_on(browser, name):
    html = browser.get(edit_url(name)).get_data(as_text=True)
    return re.search(r'name="row_version" value="(\d*)"', html).group(1)


def stored(name):
    with database() as s:
        row = s.query(OfficeSetting).filter_by(name=name).one_or_none()
        return None if row is None else (json.loads(row.value), row.origin)


def history(name):
    with database() as s:
        row = s.query(OfficeSetting).filter_by(name=name).one_or_none()
        pk = row.id if row else None
        return [(r.action, json.loads(r.changes)) for r in
                s.query(ChangeRecord).filter_by(model="OfficeSetting", record_id=pk).order_by(ChangeRecord.id)]


def below_target_names(api):
    return {v["name"] for v in api("office").get("/api/v1/reserve/below_target").get_json()["villages"]}


def test_office_change_changes_figures_and_history(browser, api):
    assert below_target_names(api) == {"甲村", "乙村", "丙村"}  # target 2, no candidates
    b = browser("office")
    resp = b.post(edit_url("VILLAGEAID_RESERVE_TARGET"), {"value": "0", "row_version": ""})
    assert resp.status_code == 302
    resp = b.post(edit_url("VILLAGEAID_RESERVE_TARGET_BOTH"), {"value": "0", "row_version": ""})
    assert resp.status_code == 302
    assert stored("VILLAGEAID_RESERVE_TARGET") == (0, "office")
    assert below_target_names(api) == set()
    changes = history("VILLAGEAID_RESERVE_TARGET")
    assert [a for a, _c in changes] == ["create"]
    assert ["value", None, "0"] in changes[0][1]
    page = b.get(URL).get_data(as_text=True)
    assert "办公室设置" in page  # where the value comes from
    # the below-target list names the parameters it used
    listing = b.get("/belowtargetview/list/").get_data(as_text=True)
    assert "依据参数" in listing and "每村后备人选数" in listing
    # an edit on top of it: the row version of the form
    version = version_on(b, "VILLAGEAID_RESERVE_TARGET")
    assert b.post(edit_url("VILLAGEAID_RESERVE_TARGET"), {"value": "3", "row_version": version}).status_code == 302
    assert [a for a, _c in history("VILLAGEAID_RESERVE_TARGET")] == ["create", "update"]
    assert below_target_names(api) == {"甲村", "乙村", "丙村"}


def test_an_outdated_form_is_refused(browser):
    b = browser("office")
    assert b.post(edit_url("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS"), {"value": "30", "row_version": ""}).status_code == 302
    resp = b.post(edit_url("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS"), {"value": "60", "row_version": ""})
    assert resp.status_code == 400 and "已被他人修改" in resp.get_data(as_text=True)
    assert stored("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS") == (30, "office")


@pytest.mark.parametrize("user", ["clerk_town", "inspector", "clerk_none"])
def test_others_cannot_change_settings(browser, user):
    b = browser(user)
    token = b.csrf("/resetmypassword/form")
    assert b.get(URL).status_code in (302, 403)
    assert b.get(edit_url("VILLAGEAID_RESERVE_TARGET")).status_code in (302, 403)
    resp = b.client.post(edit_url("VILLAGEAID_RESERVE_TARGET"), data={"value": "9", "row_version": "", "csrf_token": token})
    assert resp.status_code in (302, 403)
    resp = b.client.post("%sVILLAGEAID_RESERVE_TARGET/reset" % URL, data={"row_version": "1", "csrf_token": token})
    assert resp.status_code in (302, 403)
    assert stored("VILLAGEAID_RESERVE_TARGET") is None
    assert count(ChangeRecord, ChangeRecord.model == "OfficeSetting") == 0


@pytest.mark.parametrize("name, data, message", [
    ("VILLAGEAID_RESERVE_TARGET", {"value": "-1"}, "请输入 0 到"),
    ("VILLAGEAID_RESERVE_TARGET", {"value": "二"}, "请输入 0 到"),
    ("VILLAGEAID_NEW_CADRE_SINCE", {"value": "2020-13-01"}, "YYYY-MM-DD"),
    ("VILLAGEAID_FOLLOWUP_EXIT_YEARS", {"value": "2017, abc"}, "年份"),
    ("VILLAGEAID_FOLLOWUP_EXIT_YEARS", {"value": ""}, "年份"),
    ("VILLAGEAID_ELIGIBILITY", {"secretary-max_age": "老", "secretary-min_party_years": "1"}, "请输入 0 到"),
    ("VILLAGEAID_ELIGIBILITY", {"secretary-min_education": "phd"}, "选择无效"),
])
def test_invalid_values_are_refused_with_a_message(browser, name, data, message):
    b = browser("office")
    resp = b.post(edit_url(name), dict(data, row_version=""))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert stored(name) is None


def test_eligibility_per_track_fields(browser, api):
    b = browser("office")
    form = {"row_version": ""}
    for post in ("secretary", "both", "director", "member"):
        form.update({post + "-max_age": "", post + "-min_education": "", post + "-min_party_years": "0"})
    form["member-max_age"] = "30"
    assert b.post(edit_url("VILLAGEAID_ELIGIBILITY"), form).status_code == 302
    value, origin = stored("VILLAGEAID_ELIGIBILITY")
    assert value["member"] == {"max_age": 30, "min_education": None, "party_member": False, "min_party_years": 0}
    assert value["secretary"]["party_member"] is False and origin == "office"
    # the form shows the stored rules again, one field per rule
    html = b.get(edit_url("VILLAGEAID_ELIGIBILITY")).get_data(as_text=True)
    assert re.search(r'name="member-max_age"[^>]*value="30"', html)


def test_years_and_dates_round_trip(browser, app):
    b = browser("office")
    assert b.post(edit_url("VILLAGEAID_FOLLOWUP_EXIT_YEARS"), {"value": "2018，2017", "row_version": ""}).status_code == 302
    assert b.post(edit_url("VILLAGEAID_REFERENCE_DATE"), {"value": "2024-06-30", "row_version": ""}).status_code == 302
    assert stored("VILLAGEAID_FOLLOWUP_EXIT_YEARS") == ([2017, 2018], "office")
    with app.test_request_context():
        assert settings.get("VILLAGEAID_REFERENCE_DATE") == date(2024, 6, 30)
        assert settings.get("VILLAGEAID_FOLLOWUP_EXIT_YEARS") == [2017, 2018]
    # an empty reference date means today
    version = version_on(b, "VILLAGEAID_REFERENCE_DATE")
    assert b.post(edit_url("VILLAGEAID_REFERENCE_DATE"), {"value": "", "row_version": version}).status_code == 302
    with app.test_request_context():
        assert settings.get("VILLAGEAID_REFERENCE_DATE") is None


def test_precedence_database_configuration_default(app, browser, monkeypatch):
    name = "VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS"
    with app.test_request_context():
        assert settings.get(name) == defaults.VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS
        assert settings.source(name) == settings.DEFAULT
    monkeypatch.setitem(app.config, name, 45)
    with app.test_request_context():
        assert settings.get(name) == 45 and settings.source(name) == settings.CONFIGURATION
    b = browser("office")
    assert "主机配置" in b.get(URL).get_data(as_text=True)
    assert b.post(edit_url(name), {"value": "10", "row_version": ""}).status_code == 302
    with app.test_request_context():
        assert settings.get(name) == 10 and settings.source(name) == settings.OFFICE
    # back to the configuration: the row goes (and the history says so)
    version = version_on(b, name)
    assert b.post("%s%s/reset" % (URL, name), {"row_version": version}, token_from=URL).status_code == 302
    assert stored(name) is None
    with app.test_request_context():
        assert settings.get(name) == 45
    assert [a for a, _c in history(name)] == []  # the row is gone: its history is under its old id
    with database() as s:
        assert s.query(ChangeRecord).filter_by(model="OfficeSetting", action="delete").count() == 1


def test_configuration_seeds_the_database_once(app, monkeypatch):
    name = "VILLAGEAID_RESERVE_TARGET_BOTH"
    monkeypatch.setitem(app.config, name, 4)
    office = Viewer(user_id=None, sees_all=True)
    with app.test_request_context():
        written = settings.seed(office)
    assert name in written
    assert stored(name) == (4, "configuration")
    monkeypatch.setitem(app.config, name, 5)  # the database wins from now on
    with app.test_request_context():
        assert settings.seed(office) == [n for n in written if n != name and stored(n) is None]
        assert settings.get(name) == 4 and settings.source(name) == settings.SEEDED


def test_one_statement_per_request_however_many_reads(app, browser):
    from sqlalchemy import event

    b = browser("office")
    assert b.post(edit_url("VILLAGEAID_RESERVE_TARGET"), {"value": "1", "row_version": ""}).status_code == 302
    seen = []

    def before(conn, cursor, statement, *args):
        if "va_office_setting" in statement:
            seen.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert b.get("/belowtargetview/list/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(seen) == 1


def test_a_new_declared_parameter_appears_on_the_screen(browser, monkeypatch):
    monkeypatch.setattr(defaults, "VILLAGEAID_TEST_LIMIT", 7, raising=False)
    monkeypatch.setitem(defaults.OFFICE, "VILLAGEAID_TEST_LIMIT", dict(kind="int", label="测试上限", help="说明"))
    b = browser("office")
    page = b.get(URL).get_data(as_text=True)
    assert "测试上限" in page and 'id="setting-VILLAGEAID_TEST_LIMIT"' in page
    assert b.post(edit_url("VILLAGEAID_TEST_LIMIT"), {"value": "8", "row_version": ""}).status_code == 302
    assert stored("VILLAGEAID_TEST_LIMIT") == (8, "office")


def test_unknown_parameter_is_404(browser):
    b = browser("office")
    assert b.get(edit_url("VILLAGEAID_EXPORT_MAX_ROWS")).status_code == 404  # technical: configuration only
    assert b.get(edit_url("NOPE")).status_code == 404
