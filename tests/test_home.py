"""The home page (工作台): every figure equals the count of the list it links
to, for the office and the two clerks; an empty scope says so; the auditor
sees no domain figure; the charts' numbers are in plain tables; ECharts
comes from the add-on's own static files.

Fixture: the suite's three villages and five new untrained cadres, plus
stored follow-up alerts (reference date 2021-06-15):

- 甲村 (甲镇, 一局): less_funds open, deadline 2021-06-01 (overdue);
  no_recent_visit taken up, deadline 2021-07-01; no_record closed,
  deadline 2021-01-01 (closed: neither open nor overdue).
- 乙村 (乙乡, 二局): no_cadre open, no deadline.
- 丙村 (乙乡, 一局): no_unit open, deadline 2021-05-01 (overdue).
"""
import html as htmllib
import re
from datetime import date
from decimal import Decimal

import pytest

from villageaid import bootstrap, followup
from villageaid.models import Cadre, FollowUpAlert, FollowUpMonth, FollowUpRecord, Village

from .helpers import PASSWORD, database, listed_count

REFERENCE = date(2021, 6, 15)
ALERTS = [
    # village, kind, status, deadline
    ("甲村", "less_funds", "open", date(2021, 6, 1)),
    ("甲村", "no_recent_visit", "taken_up", date(2021, 7, 1)),
    ("甲村", "no_record", "closed", date(2021, 1, 1)),
    ("乙村", "no_cadre", "open", None),
    ("丙村", "no_unit", "open", date(2021, 5, 1)),
]
RECORDS = [("甲村", date(2020, 3, 1), "funds", "2.50"), ("甲村", date(2021, 3, 1), "funds", "1.25"),
           ("甲村", date(2020, 5, 1), "visit", None), ("甲村", date(2021, 2, 1), "visit", None),
           ("甲村", date(2021, 4, 1), "visit", None)]
# open, overdue
EXPECTED_ALERTS = {"office": (4, 2), "clerk_town": (2, 1), "clerk_unit": (3, 2)}


@pytest.fixture(scope="module", autouse=True)
def home_fixture(app, snapshot):
    with database() as s:
        village = {v.name: v for v in s.query(Village)}
        for name, kind, status, deadline in ALERTS:
            v = village[name]
            s.add(FollowUpAlert(village=v, town_id=v.town_id, kind=kind, period="2021-06", raised_on=date(2021, 6, 1),
                                reason="test", status=status, deadline=deadline,
                                responsible_unit_id=v.unit_id if status != "open" else None))
        for name, day, kind, funds in RECORDS:
            s.add(FollowUpRecord(village=village[name], date=day, kind=kind, unit=village[name].unit,
                                 funds=Decimal(funds) if funds else None, rectification="none"))
        s.flush()
        followup.rebuild_months(s)
        s.commit()
    with app.app_context():
        bootstrap.ensure_user("auditor_home", "Auditor", password=PASSWORD)
    snapshot.push()
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
    yield
    app.config["VILLAGEAID_REFERENCE_DATE"] = None
    snapshot.pop()


def home_of(browser, user, lang="zh"):
    client = browser(user, lang)
    resp = client.get("/")
    assert resp.status_code == 200
    return client, resp.get_data(as_text=True)


def figure(page, element_id):
    match = re.search(r'<a id="%s" href="([^"]+)">([^<]+)</a>' % element_id, page)
    assert match, "no figure %s" % element_id
    return htmllib.unescape(match.group(1)), match.group(2).strip()



def all_links(page, table_id):
    body = re.search(r'<table[^>]*id="%s".*?</table>' % table_id, page, re.S).group(0)
    return [(htmllib.unescape(href), int(n)) for href, n in re.findall(r'<a href="([^"]+)">(\d+)</a>', body)]


@pytest.mark.parametrize("user", ["office", "clerk_town", "clerk_unit"])
def test_every_figure_equals_its_list(browser, user):
    client, page = home_of(browser, user)
    checked = 0
    for element in ("fig-new", "fig-trained", "fig-untrained", "fig-below-target", "fig-alerts-open",
                    "fig-alerts-overdue", "todo-untrained", "todo-below-target"):
        link, shown = figure(page, element)
        number = int(re.search(r"\d+", shown).group(0))
        assert listed_count(client, link) == number, (element, link)
        checked += 1
    for table in ("coverage-table", "alerts-table"):
        for link, number in all_links(page, table):
            assert listed_count(client, link) == number, (table, link)
            checked += 1
    assert checked > 10
    assert (int(figure(page, "fig-alerts-open")[1]), int(figure(page, "fig-alerts-overdue")[1])) == \
        EXPECTED_ALERTS[user]


def test_figures_of_the_fixture(browser):
    _client, page = home_of(browser, "clerk_town")
    assert figure(page, "fig-untrained")[1] == "2"  # 张一, 赵四
    assert figure(page, "fig-below-target")[1] == "1"  # 甲村
    todo = re.search(r'<ul[^>]*id="home-todo".*?</ul>', page, re.S).group(0)
    assert "label-danger" in todo  # the overdue alert first
    assert todo.index("label-danger") < todo.index("甲村")
    followup_table = re.search(r'<table[^>]*id="home-followup".*?</table>', page, re.S).group(0)
    cells = re.findall(r'<td class="num">(?:<a href="[^"]+">)?([^<]+)', followup_table)
    # funds 1.25 against 2.50 (1 January to 15 June); visits 2 against 1
    assert cells == ["1.25", "2.50", "2", "1"]


def test_alerts_to_do_lists_overdue_first_and_links_the_rest(browser):
    client, page = home_of(browser, "office")
    todo = re.search(r'<ul[^>]*id="home-todo".*?</ul>', page, re.S).group(0)
    items = re.findall(r"<li>.*?</li>", todo, re.S)
    overdue = [i for i, item in enumerate(items) if "label-danger" in item]
    assert overdue == [0, 1]
    assert "丙村" in todo and "乙村" in todo
    link, _shown = figure(page, "todo-alerts")
    assert listed_count(client, link) == 4


def test_an_empty_scope_says_so(browser):
    _client, page = home_of(browser, "clerk_none")
    assert 'id="home-no-scope"' in page
    assert 'id="home-figures"' not in page and "echarts" not in page


def test_the_auditor_sees_audit_links_only(browser):
    _client, page = home_of(browser, "auditor_home")
    assert 'id="home-figures"' not in page and "fig-" not in page
    assert 'id="home-audit"' in page
    assert "/changerecordview/list/" in page.lower()


def test_nobody_signed_in_is_asked_to_sign_in(browser):
    _client, page = home_of(browser, None)
    assert 'id="home-sign-in"' in page and "fig-" not in page


def test_english_and_charts_from_own_static_files(browser):
    client, page = home_of(browser, "office", lang="en")
    assert "Workbench" in page and "Open alerts by kind" in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    charts = [s for s in scripts if "echarts" in s]
    assert charts and all(s.startswith("/villageaid/static/") for s in charts)
    resp = client.get(charts[0])
    assert resp.status_code == 200 and b"Apache" in resp.get_data()[:2000]
    assert client.get("/villageaid/static/echarts/LICENSE").status_code == 200
    assert re.search(r'<table[^>]*id="coverage-table"', page) and re.search(r'<table[^>]*id="alerts-table"', page)


def test_an_empty_database_shows_zeros(browser):
    """No cadre, no follow-up record, no alert (the isolation puts them back): figures of 0, no error."""
    with database() as s:
        s.query(FollowUpAlert).delete()
        s.query(FollowUpRecord).delete()
        s.query(FollowUpMonth).delete()
        s.query(Cadre).delete()
        s.commit()
    client, page = home_of(browser, "office")
    assert figure(page, "fig-untrained")[1] == "0" and figure(page, "fig-new")[1] == "0"
    assert figure(page, "fig-alerts-open")[1] == "0"
    assert listed_count(client, figure(page, "fig-untrained")[0]) == 0
    assert "没有未关闭的预警" in page


@pytest.mark.parametrize("day", [date(2021, 6, 15), date(2021, 3, 1), date(2021, 2, 28), date(2021, 1, 1),
                                 date(2020, 2, 29), date(2021, 12, 31)])
def test_followup_to_date_equals_the_yearly_summary_of_the_reference_year(app, day):
    """The home page sums the months and the month's records of the scope's
    follow-up villages; the yearly summary looks them up per village: the
    same figures, whatever the reference day (a month's first or last day,
    29 February)."""
    from villageaid import home, scope
    from villageaid.followup import yearly_rows
    from villageaid.models import Town

    extra = [("甲村", date(2021, 3, 1), "funds", "0.75"), ("甲村", date(2020, 2, 29), "visit", None),
             ("甲村", date(2020, 3, 1), "visit", None), ("甲村", date(2021, 2, 28), "funds", "3.10"),
             ("甲村", date(2020, 12, 31), "funds", "0.01"), ("甲村", date(2021, 12, 31), "visit", None)]
    with database() as s:
        village = {v.name: v for v in s.query(Village)}
        for name, when, kind, funds in extra:
            s.add(FollowUpRecord(village=village[name], date=when, kind=kind, rectification="none",
                                 funds=Decimal(funds) if funds else None))
        s.flush()
        followup.rebuild_months(s)
        s.commit()
        town = s.query(Town).filter_by(name="甲镇").one().id
    app.config["VILLAGEAID_REFERENCE_DATE"] = day
    try:
        with app.test_request_context():
            for viewer in (scope.Viewer(user_id=1, sees_all=True), scope.Viewer(user_id=1, towns=(town,))):
                rows = [r for r in yearly_rows(viewer, day.year)]
                got = home.followup_to_date(viewer)
                assert (Decimal(got.funds), Decimal(got.funds_before), got.visits, got.visits_before) == (
                    sum((Decimal(r["funds"]) for r in rows), Decimal(0)),
                    sum((Decimal(r["funds_before"]) for r in rows), Decimal(0)),
                    sum(r["visits"] for r in rows), sum(r["visits_before"] for r in rows)), day
    finally:
        app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
