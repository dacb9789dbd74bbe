"""A statement budget: the SQL statements a page runs are counted, must stay
within its budget, and must not grow with the rows. (The national-scale
work sets the final numbers; this keeps every later change inside them.)"""
from datetime import date

import pytest

from villageaid.models import Cadre, FollowUpAlert, FollowUpRecord, ReserveCandidate, Village

from .helpers import database, ids, sent_statements

# most statements of a list page, and of a detail page's own record (the
# user's session generation, user, permissions and scope; the record; the
# personal-data view it logs), plus at most 2 per tab (related list, history)
LIST_BUDGET = 6
SHOW_BUDGET = 6
EXTRA_PER_RELATED = 2
# the home page (工作台): the signed-in user's session, user, permissions and
# scope (as a list page), then one statement per figure — coverage, villages
# below target, alerts per kind, the first open alerts, follow-up to date
HOME_BUDGET = LIST_BUDGET + 5

LISTS = ["/townview/list/", "/unitview/list/", "/villageview/list/", "/cadreview/list/",
         "/trainingsessionview/list/", "/attendanceview/list/", "/reservecandidateview/list/",
         "/followuprecordview/list/", "/untrainedcadreview/list/", "/newcadretrainingview/list/",
         "/focusvillageview/list/", "/belowtargetview/list/", "/followupyearview/list/",
         "/nooneshoulderview/list/", "/followupalertview/list/", "/cadreview/roster/",
         "/villageaid/alertcounts/", "/divisionview/list/"]


def counted(app):
    return sent_statements(app)


def statements_of(app, client, url):
    client.get(url)  # warm: what a first request does once (lazy set-up) is not the page's cost
    with counted(app) as statements:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return statements


def add_villages(prefix, n, first_id_number=0):
    """n more villages in 甲镇 (both clerks' scopes), each with a cadre."""
    with database() as s:
        town = s.query(Village).filter_by(name="甲村").one().town
        villages = [Village(name="%s村%02d" % (prefix, i), town=town, poverty_status="non_poor", registered_poor=1)
                    for i in range(n)]
        s.add_all(villages)
        s.flush()
        for i, village in enumerate(villages):
            s.add(Cadre(name="%s人%02d" % (prefix, i), gender="male", id_number=_id_number(first_id_number + i),
                        kind="village", post="member", village=village, start_date=date(2021, 1, 1), status="active"))
        s.commit()


@pytest.fixture
def more_rows(app):
    add_villages("加", 30)


def _id_number(i):
    """A valid GB 11643 number (check digit computed)."""
    body = "5304281980%02d%02d%03d" % (1 + i // 28, 1 + i % 28, 100 + i)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


@pytest.mark.parametrize("user", ["office", "clerk_unit"])
def test_list_pages_stay_within_budget_and_do_not_grow(app, browser, more_rows, user):
    b = browser(user)
    over = {}
    for url in LISTS:
        small = statements_of(app, b.client, url + "?psize_x=1")
        if len(small) > LIST_BUDGET:
            over[url] = len(small)
    assert not over, "list pages over the budget of %d statements: %s" % (LIST_BUDGET, over)


@pytest.mark.parametrize("user", ["office", "clerk_unit"])
def test_statements_do_not_grow_with_the_rows(app, browser, user):
    b = browser(user)
    pages = ("/villageview/list/", "/cadreview/list/", "/villageaid/training/coverage/",
             "/villageaid/reserve/summary/", "/villageaid/followup/alerts/", "/belowtargetview/list/",
             "/nooneshoulderview/list/", "/villageaid/reserve/election/", "/cadreview/roster/",
             "/villageaid/alertcounts/", "/")  # the home page after the alerts page has stored its alerts: one more statement lists them
    before = {url: len(statements_of(app, b.client, url)) for url in pages}
    add_villages("长", 20, first_id_number=40)
    after = {url: len(statements_of(app, b.client, url)) for url in before}
    assert after == before


@pytest.mark.parametrize("user", ["office", "clerk_unit"])
def test_detail_pages_stay_within_budget(app, browser, user):
    b = browser(user)
    v1, = ids(Village, "甲村")
    c1, = ids(Cadre, "张一")
    # tabs: the related lists and the history (历史); the village's page is its
    # file: sections two committees, reserve, cadres, records, years, alerts, and the history
    pages = [("/villageview/show/%d" % v1, 6 + 1), ("/cadreview/show/%d" % c1, 1 + 1)]
    if user == "office":
        pages.append(("/focusvillageview/show/%d" % ids(Village, "乙村")[0], 6 + 1))  # a focus village
    for url, related in pages:
        n = len(statements_of(app, b.client, url))
        assert n <= SHOW_BUDGET + EXTRA_PER_RELATED * related, (url, n)


@pytest.mark.parametrize("user", ["office", "clerk_unit"])
def test_the_village_file_does_not_grow_with_the_village(app, browser, user):
    b = browser(user)
    v1, = ids(Village, "甲村")
    url = "/villageview/show/%d" % v1
    before = len(statements_of(app, b.client, url))
    with database() as s:
        village = s.get(Village, v1)
        for i in range(12):
            s.add(Cadre(name="档%02d" % i, gender="male", id_number=_id_number(80 + i), kind="village",
                        post="member", village=village, start_date=date(2021, 1, 1), status="active"))
            s.add(FollowUpRecord(village=village, date=date(2021, 1, 1 + i), kind="visit", rectification="none"))
            s.add(FollowUpAlert(village=village, town_id=village.town_id, kind="no_record", period="2019-%02d" % (i + 1),
                                raised_on=date(2021, 1, 1 + i), reason="档", status="open"))
            s.add(ReserveCandidate(name="备%02d" % i, gender="male", village=village, target_post="member",
                                   education="bachelor", political_status="party_member", background="graduate",
                                   birth_date=date(1990, 1, 1), status="identified"))
        s.commit()
    assert len(statements_of(app, b.client, url)) == before


@pytest.mark.parametrize("user", ["office", "clerk_town", "clerk_unit"])
def test_home_page_stays_within_budget(app, browser, more_rows, user):
    n = len(statements_of(app, browser(user).client, "/"))
    assert n <= HOME_BUDGET, n


# each report, as a page: its statements must not grow with the rows it
# reports on (cadres, villages, the follow-up set, stored alerts)
REPORTS = {
    "coverage": "/villageaid/training/coverage/",
    "untrained": "/untrainedcadreview/list/",
    "below target": "/belowtargetview/list/",
    "yearly summary": "/followupyearview/list/",
    "alerts": "/villageaid/followup/alerts/",
    "home": "/",
}


def add_followup_villages(prefix, n, first_id_number):
    """n villages that exited poverty in 2017 (the follow-up set), each with
    a new (untrained) cadre and a visit recorded this year and last."""
    from villageaid.models import FollowUpRecord

    with database() as s:
        town = s.query(Village).filter_by(name="甲村").one().town
        villages = [Village(name="%s村%02d" % (prefix, i), town=town, poverty_status="poor", exit_year=2017,
                            registered_poor=10) for i in range(n)]
        s.add_all(villages)
        s.flush()
        for i, village in enumerate(villages):
            s.add(Cadre(name="%s人%02d" % (prefix, i), gender="male", id_number=_id_number(first_id_number + i),
                        kind="village", post="member", village=village, start_date=date(2021, 1, 1), status="active"))
            for day in (date(2020, 3, 1), date(2021, 3, 1)):
                s.add(FollowUpRecord(village=village, date=day, kind="visit", rectification="none"))
        s.commit()


@pytest.mark.parametrize("user", ["office", "clerk_town", "clerk_unit"])
def test_reports_do_not_grow_with_the_rows(app, browser, user):
    b = browser(user)
    statements_of(app, b.client, REPORTS["alerts"])  # the alerts page stores the day's alerts first
    before = {name: len(statements_of(app, b.client, url)) for name, url in REPORTS.items()}
    add_villages("报", 15, first_id_number=120)
    add_followup_villages("跟", 15, first_id_number=160)
    statements_of(app, b.client, REPORTS["alerts"])
    after = {name: len(statements_of(app, b.client, url)) for name, url in REPORTS.items()}
    assert after == before
