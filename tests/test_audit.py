"""The Auditor role (三权分立) and the log of every view of unmasked
personal data, over HTTP."""
import pytest
from sqlalchemy import delete, select

from villageaid.models import Cadre, PersonalDataView

from .authkit import new_user
from .helpers import ID_NUMBERS, database, ids


@pytest.fixture
def auditor(app):
    return new_user(app, "Auditor")


def views_of(username):
    with database() as s:
        rows = s.scalars(
            select(PersonalDataView).where(PersonalDataView.username == username).order_by(PersonalDataView.id)
        ).all()
        return [(r.record_type, r.record_id, r.fields, r.channel, r.path, r.detail) for r in rows]


@pytest.fixture(autouse=True)
def empty_log():
    with database() as s:
        s.execute(delete(PersonalDataView))
        s.commit()
    yield


# --- the auditor ----------------------------------------------------------------


def test_the_auditor_reads_the_logs(browser, auditor, app):
    office = browser("office")
    office.get("/cadreview/export/")  # a receipt of someone else
    b = browser(auditor)
    home = b.get("/").get_data(as_text=True)
    for label in ("审计", "登录日志", "导出记录", "个人信息查看记录"):
        assert label in home
    menu = home.split('class="nav navbar-nav navbar-right"')[0]
    for label in ("基础数据", "轮训", "后备力量", "权限范围"):
        assert label not in menu
    assert b.get("/logineventview/list/").status_code == 200
    html = b.get("/exportreceiptview/list/").get_data(as_text=True)
    assert "office" in html  # every user's exports, not only its own
    assert b.get("/personaldataviewlogview/list/").status_code == 200
    assert b.get("/logineventview/export/").status_code == 200


@pytest.mark.parametrize("url", [
    "/cadreview/list/", "/villageview/list/", "/townview/list/", "/trainingsessionview/list/",
    "/scopeassignmentview/list/", "/users/list/", "/roles/list/", "/users/add",
    "/villageaid/lookup/village", "/cadreview/export/",
])
def test_the_auditor_sees_no_domain_data_and_no_users(browser, auditor, url):
    resp = browser(auditor).get(url)
    assert resp.status_code in (302, 403), resp.status_code
    assert "张一" not in resp.get_data(as_text=True)


def test_the_auditor_has_no_domain_api(api, auditor):
    a = api(auditor)
    for url in ("/api/v1/cadre/", "/api/v1/village/", "/api/v1/security/users/"):
        assert a.get(url).status_code in (401, 403)


def test_the_office_reads_the_login_and_export_logs_but_not_personal_data_views(browser):
    b = browser("office")
    assert b.get("/logineventview/list/").status_code == 200
    assert b.get("/exportreceiptview/list/").status_code == 200
    assert b.get("/personaldataviewlogview/list/").status_code == 403
    assert "个人信息查看记录" not in b.get("/").get_data(as_text=True)
    assert browser("admin").get("/personaldataviewlogview/list/").status_code == 200


def test_admin_keeps_user_management(browser):
    assert browser("admin").get("/users/list/").status_code == 200


def test_init_stays_additive_with_the_auditor(app, auditor):
    from villageaid import bootstrap

    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role("Auditor")
        extra = sm.find_permission_view_menu("can_list", "TownView")
        sm.add_permission_role(role, extra)
        bootstrap.init_permissions()
        role = sm.find_role("Auditor")
        names = {(p.permission.name, p.view_menu.name) for p in role.permissions}
        assert ("can_list", "TownView") in names  # kept
        assert ("can_list", "LoginEventView") in names
        sm.del_permission_role(role, extra)


# --- the personal data view log -------------------------------------------------------


def test_a_detail_page_logs_one_row_for_its_record(browser):
    zhang, = ids(Cadre, "张一")
    html = browser("office").get("/cadreview/show/%d" % zhang).get_data(as_text=True)
    assert ID_NUMBERS["张一"] in html
    assert views_of("office") == [("Cadre", zhang, "id_number,phone", "page", "/cadreview/show/%d" % zhang, None)]


def test_each_request_logs_its_own_records_and_lists_without_personal_columns_nothing(browser):
    zhang, zhao = ids(Cadre, "张一", "赵四")
    b = browser("clerk_town")
    html = b.get("/cadreview/list/").get_data(as_text=True)
    assert "张一" in html and ID_NUMBERS["张一"] not in html  # the list has no personal column
    assert views_of("clerk_town") == []
    b.get("/cadreview/show/%d" % zhang)
    b.get("/cadreview/show/%d" % zhao)
    b.get("/cadreview/show/%d" % zhao)
    rows = views_of("clerk_town")
    assert [(r[1], r[3]) for r in rows] == [(zhang, "page"), (zhao, "page"), (zhao, "page")]


def test_an_edit_form_showing_the_values_is_logged(browser):
    zhang, = ids(Cadre, "张一")
    html = browser("office").get("/cadreview/edit/%d" % zhang).get_data(as_text=True)
    assert ID_NUMBERS["张一"] in html
    assert views_of("office") == [("Cadre", zhang, "id_number,phone", "page", "/cadreview/edit/%d" % zhang, None)]
    html = browser("inspector").get("/cadreview/edit/%d" % zhang).get_data(as_text=True)
    assert ID_NUMBERS["张一"] not in html
    assert views_of("inspector") == []


def test_masked_pages_log_nothing(browser):
    zhang, = ids(Cadre, "张一")
    html = browser("inspector").get("/cadreview/show/%d" % zhang).get_data(as_text=True)
    assert ID_NUMBERS["张一"] not in html
    assert views_of("inspector") == []


def test_the_api_logs_one_row_per_record(api):
    zhang, = ids(Cadre, "张一")
    a = api("office")
    resp = a.get("/api/v1/cadre/%d" % zhang)
    assert resp.get_json()["result"]["id_number"] == ID_NUMBERS["张一"]
    assert views_of("office") == [("Cadre", zhang, "id_number,phone", "api", "/api/v1/cadre/%d" % zhang, None)]
    a.get("/api/v1/cadre/")
    listed = [r for r in views_of("office") if r[4] == "/api/v1/cadre/"]
    assert len(listed) == 5 and {r[3] for r in listed} == {"api"}


def test_an_export_logs_one_row_naming_it(browser):
    b = browser("office")
    resp = b.get("/cadreview/export/")
    assert ID_NUMBERS["张一"] in resp.get_data().decode("utf-8-sig")
    rows = views_of("office")
    assert len(rows) == 1
    record_type, record_id, fields, channel, path, detail = rows[0]
    assert (record_type, record_id, channel, path) == ("Cadre", None, "export", "/cadreview/export/")
    assert "id_number" in fields and "phone" in fields
    assert detail == "人员"
    browser("inspector").get("/cadreview/export/")
    assert views_of("inspector") == []


def test_the_auditor_sees_the_views_and_cannot_change_them(browser, auditor):
    zhang, = ids(Cadre, "张一")
    browser("office").get("/cadreview/show/%d" % zhang)
    with database() as s:
        pk = s.scalar(select(PersonalDataView.id))
    browser("clerk_town").get("/cadreview/show/%d" % zhang)
    b = browser(auditor)
    html = b.get("/personaldataviewlogview/list/").get_data(as_text=True)
    assert "/cadreview/show/%d" % zhang in html and "人员" in html and "clerk_town" in html
    html = b.get("/personaldataviewlogview/list/?_flt_0_username=office").get_data(as_text=True)
    assert "office" in html and "clerk_town" not in html
    assert b.get("/personaldataviewlogview/show/%d" % pk).status_code == 200
    for url in ("/personaldataviewlogview/edit/%d" % pk, "/personaldataviewlogview/delete/%d" % pk):
        assert b.get(url).status_code in (403, 404, 405)
    with database() as s:
        assert s.get(PersonalDataView, pk) is not None
