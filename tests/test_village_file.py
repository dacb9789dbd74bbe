"""The village file (一村一档, the village's detail page), the sign-in sheet
(签到表) and the roster (花名册): every section for the office and a town
clerk, each section's count the same as its linked list's, another scope's
village or session refused, only in-scope cadres on the sheet, the roster
following the list's filters."""
import re
from datetime import date

import pytest

from villageaid import followup
from villageaid.models import Cadre, FollowUpAlert, FollowUpRecord, TrainingAttendance, TrainingSession, Village

from .helpers import database, ids

SECTIONS = ("file-village", "file-committees", "file-cadres", "file-records", "file-years", "file-alerts")


@pytest.fixture(scope="module", autouse=True)
def file_fixture(app, snapshot):
    with database() as s:
        v1, v2 = s.get(Village, ids(Village, "甲村")[0]), s.get(Village, ids(Village, "乙村")[0])
        s.add_all([
            FollowUpRecord(village=v1, date=date(2021, 3, 1), kind="visit", project="档案项目甲", rectification="none",
                           households_visited=4),
            FollowUpRecord(village=v2, date=date(2021, 3, 2), kind="visit", project="档案项目乙", rectification="none"),
            FollowUpAlert(village=v1, town_id=v1.town_id, kind="no_record", period="2021-03", raised_on=date(2021, 3, 5),
                          reason="档案预警甲", status="open"),
            FollowUpAlert(village=v2, town_id=v2.town_id, kind="no_record", period="2021-03", raised_on=date(2021, 3, 5),
                          reason="档案预警乙", status="open"),
        ])
        session = TrainingSession(title="签到班", start_date=date(2021, 4, 1), end_date=date(2021, 4, 2), hours=8,
                                  audience="both")
        s.add(session)
        s.flush()
        for cadre in s.query(Cadre).filter(Cadre.name.in_(["张一", "赵四", "李二", "王三"])):
            s.add(TrainingAttendance(training_session_id=session.id, cadre_id=cadre.id, status="enrolled"))
        s.flush()
        followup.rebuild_months(s)
        s.commit()
    snapshot.push()
    yield
    snapshot.pop()


def page(b, url, status=200):
    resp = b.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("user", ["office", "clerk_town"])
def test_the_village_page_is_the_village_file(browser, user):
    b = browser(user)
    v1, = ids(Village, "甲村")
    url = "/villageview/show/%d"
    html = page(b, url % v1)
    for section in SECTIONS:
        assert 'id="%s"' % section in html, section
    # town, stationed unit, the secretary (two committees and cadres), a resident cadre, records, alerts
    for text in ("甲镇", "一局", "张一", "赵四", "档案项目甲", "档案预警甲", "2021"):
        assert text in html, text
    for text in ("档案项目乙", "档案预警乙", "李二", "None"):
        assert text not in html, text
    # the print header: title, reporting unit (the application's name by default), print date
    assert "一村一档 · 甲村" in html
    assert 'id="va-reporting-unit"' in html and date.today().isoformat() in html
    # the record's page stays: its history tab; its edit page
    assert 'href="#History"' in html
    page(b, url.replace("show", "edit") % v1)


def test_the_focus_village_page_is_the_village_file_too(browser):
    v2, = ids(Village, "乙村")  # non-poor with 120 registered poor: a focus village
    html = page(browser("office"), "/focusvillageview/show/%d" % v2)
    for section in SECTIONS:
        assert 'id="%s"' % section in html, section
    assert "一村一档 · 乙村" in html and "档案项目乙" in html and "档案项目甲" not in html and "None" not in html


def section_counts(html):
    """{list view: (the count the section names, its link)}"""
    return {m.group(3): (int(m.group(1)), m.group(2).replace("&amp;", "&")) for m in re.finditer(
        r'class="va-no-print va-section-link" id="count-\w+" data-count="(\d+)"\s+href="(/(\w+)/list/[^"]*)"', html)}


def listed_count(html):
    """The number of rows a list page says it holds (共 N 条; none: 0)."""
    found = re.search(r'class="pull-right va-count">([^<]*)<', html)
    return int(re.search(r"\d+", found.group(1)).group(0)) if found else 0


@pytest.mark.parametrize("user", ["office", "clerk_town"])
def test_each_section_counts_what_its_list_shows(browser, user):
    b = browser(user)
    v1, = ids(Village, "甲村")
    counts = section_counts(page(b, "/villageview/show/%d" % v1))
    assert set(counts) == {"cadreview", "reservecandidateview", "followuprecordview", "followupyearview",
                           "followupalertview"}
    for view, (n, href) in counts.items():
        # each links to its list filtered to the village
        assert href == "/%s/list/?_flt_0_village=%d" % (view, v1), href
        assert n == listed_count(page(b, href)), (view, n, href)
    assert counts["cadreview"][0] == 2 and counts["followuprecordview"][0] == 1 and counts["followupalertview"][0] == 1


def test_the_linked_lists_count_what_the_file_shows(browser):
    b = browser("office")
    v1, = ids(Village, "甲村")
    html = page(b, "/cadreview/list/?_flt_0_village=%d" % v1)
    assert "张一" in html and "赵四" in html and "李二" not in html


def test_another_scopes_village_file_is_not_found(browser):
    v2, = ids(Village, "乙村")
    html = page(browser("clerk_town"), "/villageview/show/%d" % v2, 404)
    assert "档案项目乙" not in html and "乙村" not in html
    page(browser("clerk_town"), "/villageview/show/999999999", 404)
    page(browser("clerk_town"), "/villageview/show/x", 404)
    page(browser("clerk_none"), "/villageview/show/%d" % v2, 404)
    # the former address of the file is gone
    page(browser("office"), "/villageview/file/%d" % v2, 404)


def test_the_sign_in_sheet_lists_only_cadres_in_scope(browser):
    pk, = ids_of_session("签到班")
    html = page(browser("clerk_town"), "/trainingsessionview/signin/%d" % pk)
    assert "签到班" in html and "张一" in html and "赵四" in html
    assert "李二" not in html and "王三" not in html
    html = page(browser("office"), "/trainingsessionview/signin/%d" % pk)
    assert all(name in html for name in ("张一", "赵四", "李二", "王三"))
    assert "/trainingsessionview/signin/%d" % pk in page(browser("office"), "/trainingsessionview/show/%d" % pk)
    page(browser("clerk_town"), "/trainingsessionview/signin/999999999", 404)


def ids_of_session(title):
    with database() as s:
        return [s.query(TrainingSession.id).filter_by(title=title).scalar()]


def test_the_roster_honours_the_filters_and_the_scope(browser):
    v1, v3 = ids(Village, "甲村", "丙村")
    office = browser("office")
    html = page(office, "/cadreview/roster/?_flt_0_village=%d" % v1)
    assert "张一" in html and "赵四" in html and "钱五" not in html and "李二" not in html
    html = page(office, "/cadreview/roster/?_flt_0_kind=village")
    assert "张一" in html and "钱五" in html and "赵四" not in html
    html = page(office, "/cadreview/roster/")
    assert all(name in html for name in ("张一", "赵四", "李二", "王三", "钱五"))
    html = page(browser("clerk_town"), "/cadreview/roster/")
    assert "张一" in html and "赵四" in html and "钱五" not in html and "王三" not in html
    # another scope's village as a filter: nothing of it
    assert "钱五" not in page(browser("clerk_town"), "/cadreview/roster/?_flt_0_village=%d" % v3)
    # personal data is not printed; the list links to its roster with its filters
    assert "13812345678" not in html
    assert "/cadreview/roster/" in page(office, "/cadreview/list/")


def test_a_roster_over_the_print_limit_prints_nothing(app, browser):
    app.config["VILLAGEAID_EXPORT_MAX_ROWS"] = 2
    try:
        resp = browser("office").get("/cadreview/roster/")
        assert resp.status_code == 302
    finally:
        app.config["VILLAGEAID_EXPORT_MAX_ROWS"] = 0
