"""Follow-up of villages that exited poverty in 2017: the yearly summary and
every alert kind against a fixture computed by hand, the same-period rule at
the start of a year and on a leap day, refusals, and exact money."""
from datetime import date
from decimal import Decimal

import pytest

from villageaid import followup
from villageaid.models import FollowUpRecord, Town, Unit, Village

from .helpers import count, database, ids

EXTRA_VILLAGES = {
    # name: (town, unit, exit year)
    "丁村": ("乙乡", "二局", 2017),
    "戊村": ("乙乡", "一局", 2017),
    "己村": ("甲镇", "二局", 2018),  # not in the follow-up set
}
RECORDS = [
    # village, date, kind, funds, project, households, rectification
    ("甲村", date(2020, 3, 10), "visit", None, None, 5, "none"),
    ("甲村", date(2020, 5, 20), "funds", "10.50", None, None, "none"),
    ("甲村", date(2020, 6, 15), "visit", None, None, 3, "none"),
    ("甲村", date(2020, 9, 1), "project", "20.00", "蔬菜大棚", None, "in_progress"),
    ("甲村", date(2021, 2, 1), "visit", None, None, 4, "none"),
    ("甲村", date(2021, 4, 1), "funds", "8.25", None, None, "none"),
    ("甲村", date(2021, 5, 5), "policy", None, None, None, "done"),
    ("丁村", date(2020, 4, 1), "visit", None, None, 2, "none"),
    ("丁村", date(2020, 5, 1), "funds", "0.30", None, None, "none"),
    ("丁村", date(2021, 3, 1), "visit", None, None, None, "none"),
    ("丁村", date(2021, 5, 1), "funds", "0.10", None, None, "none"),
    ("丁村", date(2021, 5, 2), "funds", "0.20", None, None, "none"),
    ("丁村", date(2021, 6, 1), "visit", None, None, None, "none"),
    # for the leap-day test (reference 2024-02-29)
    ("丁村", date(2023, 2, 28), "visit", None, None, None, "none"),
    ("丁村", date(2023, 3, 1), "visit", None, None, None, "none"),
    ("丁村", date(2024, 2, 29), "visit", None, None, None, "none"),
    ("己村", date(2020, 1, 1), "visit", None, None, None, "none"),
]
REFERENCE = date(2021, 6, 30)


@pytest.fixture(scope="module", autouse=True)
def followup_fixture(app, snapshot):
    with database() as s:
        town = {t.name: t for t in s.query(Town)}
        unit = {u.name: u for u in s.query(Unit)}
        for name, (t, u, year) in EXTRA_VILLAGES.items():
            s.add(Village(name=name, town=town[t], unit=unit[u], poverty_status="poor", exit_year=year, registered_poor=60))
        s.flush()
        village = {v.name: v for v in s.query(Village)}
        for v, day, kind, funds, project, households, rect in RECORDS:
            s.add(FollowUpRecord(village=village[v], date=day, kind=kind, funds=Decimal(funds) if funds else None,
                                 project=project, households_visited=households, rectification=rect,
                                 unit=village[v].unit, problems="问题" if rect != "none" else None))
        s.flush()
        followup.rebuild_months(s)  # rows added around the write path
        s.commit()
    snapshot.push()
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
    # one visit fewer is a drop here (tests/test_followup_alerts.py: the thresholds)
    app.config["VILLAGEAID_ALERT_VISITS_DROP_MIN"] = 1
    yield
    app.config["VILLAGEAID_REFERENCE_DATE"] = None
    del app.config["VILLAGEAID_ALERT_VISITS_DROP_MIN"]
    snapshot.pop()


@pytest.fixture
def reference(app):
    def set_to(day):
        app.config["VILLAGEAID_REFERENCE_DATE"] = day
    yield set_to
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE


PRESENCE = {"no_cadre", "no_unit"}  # tests/test_followup_alerts.py


def alert_set(api_client, **args):
    query = "&".join("%s=%s" % kv for kv in args.items())
    data = api_client.get("/api/v1/followup/alerts?" + query).get_json()
    return {(a["village"], a["kind"]) for a in data["alerts"] if a["kind"] not in PRESENCE}


A_ALERTS = {("甲村", "less_funds"), ("甲村", "fewer_visits"), ("甲村", "no_recent_visit")}


@pytest.mark.parametrize("user, expected", [
    ("office", A_ALERTS | {("戊村", "no_record")}),
    ("inspector", A_ALERTS | {("戊村", "no_record")}),
    ("clerk_town", A_ALERTS),
    ("clerk_unit", A_ALERTS | {("戊村", "no_record")}),
    ("clerk_none", set()),
])
def test_every_alert_kind_per_role(api, user, expected):
    assert alert_set(api(user)) == expected


def test_alert_reasons_are_explained(api, browser):
    data = api("office").get("/api/v1/followup/alerts").get_json()
    reasons = {(a["village"], a["kind"]): a["reason"] for a in data["alerts"]}
    assert reasons[("甲村", "less_funds")] == "今年截至目前资金 8.25 万元，去年同期 10.50 万元（阈值：下降 20% 且 1 万元）。"
    assert reasons[("甲村", "fewer_visits")] == "今年截至目前走访 1 次，去年同期 2 次（阈值：下降 20% 且 1 次）。"
    assert reasons[("甲村", "no_recent_visit")] == "最近一次走访在 2021-02-01，已 149 天（上限 90 天）。"
    html = browser("office").get("/villageaid/followup/alerts/?kind=no_record").get_data(as_text=True)
    assert "戊村" in html and "甲村" not in html
    csv_text = browser("clerk_town").get("/villageaid/followup/alerts/export/").get_data().decode("utf-8-sig")
    assert csv_text.count("\r\n") == 4 and "戊村" not in csv_text


def test_same_period_at_the_start_of_a_year(api, reference):
    reference(date(2021, 1, 5))
    # 1–5 January 2021 against 1–5 January 2020: nothing either way, no alarm
    assert {k for v, k in alert_set(api("office")) if v == "甲村"} == {"no_recent_visit"}
    assert {k for v, k in alert_set(api("office")) if v == "丁村"} == {"no_recent_visit"}


def test_same_period_on_a_leap_day(api, reference):
    reference(date(2024, 2, 29))
    # this period 2024-01-01..02-29 has one visit; last year's period ends on
    # 2023-02-28 and holds one visit (the 1 March visit is outside it)
    assert {k for v, k in alert_set(api("office")) if v == "丁村"} == set()
    reference(date(2024, 2, 28))
    # one day earlier: this year none yet, last year 2023-01-01..02-28 had
    # one; and the last visit (2023-03-01) is 364 days back
    assert {k for v, k in alert_set(api("office")) if v == "丁村"} == {"fewer_visits", "no_recent_visit"}


def summary(api_client, year=None):
    url = "/api/v1/followup/summary" + ("?year=%d" % year if year else "")
    return {(r["village"], r["year"]): r for r in api_client.get(url).get_json()["rows"]}


def test_yearly_summary_matches(api):
    rows = summary(api("office"))
    assert {y for v, y in rows if v == "甲村"} == {2017, 2018, 2019, 2020, 2021}
    assert "己村" not in {v for v, _y in rows}
    a2020, a2021 = rows[("甲村", 2020)], rows[("甲村", 2021)]
    assert (a2020["visits"], a2020["households"], a2020["funds"], a2020["projects"],
            a2020["problems_open"], a2020["problems_closed"]) == (2, 8, "30.50", 1, 1, 0)
    assert (a2020["visits_change"], a2020["funds_change"]) == (2, "30.50")
    assert (a2021["visits"], a2021["households"], a2021["funds"], a2021["projects"],
            a2021["problems_open"], a2021["problems_closed"]) == (1, 4, "8.25", 0, 0, 1)
    # 2021 to 30 June against 2020 to 30 June (2 visits, 10.50), not the whole of 2020
    assert (a2021["visits_before"], a2021["funds_before"], a2021["to_date"]) == (2, "10.50", True)
    assert (a2021["visits_change"], a2021["funds_change"]) == (-1, "-2.25")
    assert (a2020["to_date"], a2020["empty"], rows[("甲村", 2019)]["empty"]) == (False, False, True)
    d2021 = rows[("丁村", 2021)]
    assert (d2021["funds"], d2021["funds_change"], d2021["visits_change"]) == ("0.30", "0.00", 1)
    assert rows[("戊村", 2021)]["visits"] == 0


@pytest.mark.parametrize("user, villages", [
    ("clerk_town", {"甲村"}),
    ("clerk_unit", {"甲村", "戊村"}),
    ("clerk_none", set()),
])
def test_yearly_summary_is_scoped(api, browser, user, villages):
    assert {v for v, _y in summary(api(user))} == villages
    html = browser(user).get("/followupyearview/list/?psize_FollowUpYearView=100").get_data(as_text=True)
    assert {n for n in ("甲村", "丁村", "戊村", "己村") if ">%s<" % n in html} == villages


def test_yearly_list_filters_and_export(browser):
    b = browser("office")
    lines = b.get("/followupyearview/export/?_flt_0_year=2021&_oc_FollowUpYearView=funds&_od_FollowUpYearView=desc").get_data().decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["村", "镇场街道", "派出单位", "年份"]
    body = [line.split(",") for line in lines[1:]]
    assert [r[0] for r in body][:2] == ["甲村", "丁村"]
    a_row = next(r for r in body if r[0] == "甲村")
    # year, to date, empty, records, visits, before, change, households, funds, before, change, projects, open, closed
    assert a_row[3:] == ["2021", "是", "否", "3", "1", "2", "-1", "4", "8.25", "10.50", "-2.25", "0", "0", "1"]


def record_form(village="甲村", **over):
    v, = ids(Village, village)
    form = {"village": str(v), "date": "2021-06-01", "kind": "visit", "households_visited": "3", "rectification": "none"}
    form.update(over)
    return form


@pytest.mark.parametrize("over, message", [
    ({"village": "乙村"}, "选择无效"),
    ({"village": "己村"}, "选择无效"),
    ({"date": "2999-01-01"}, "日期不能晚于今天"),
    ({"date": "2016-12-31"}, "日期早于该村出列年份（2017）"),
    ({"kind": "funds", "funds": "-1"}, "金额不能为负"),
    ({"kind": "funds", "funds": "abc"}, "不是有效的小数"),
    ({"kind": "funds", "funds": "1.2345678"}, "金额精确到分：以万元计最多六位小数"),
    ({"kind": "funds"}, "资金投入记录须填写金额"),
    ({"kind": "project"}, "项目记录须填写项目名称"),
    ({"households_visited": "-2"}, "数值不能为负"),
])
def test_bad_records_are_refused_with_a_message(browser, over, message):
    before = count(FollowUpRecord)
    village = over.pop("village", "甲村")
    resp = browser("office").post("/followuprecordview/add", record_form(village, **over))
    assert message in resp.get_data(as_text=True)
    assert count(FollowUpRecord) == before


def test_village_choices_and_unit_default(browser, api):
    b = browser("clerk_town")
    texts = {r["text"] for r in b.get("/villageaid/lookup/followupvillage").get_json()["results"]}
    assert texts == {"甲镇 · 甲村"}
    resp = b.post("/followuprecordview/add", record_form(date="2021-06-02"))
    assert resp.status_code == 302
    a, = ids(Village, "甲村")
    with database() as s:
        made = s.query(FollowUpRecord).filter_by(village_id=a, date=date(2021, 6, 2)).one()
        assert made.unit.name == "一局"  # the village's stationed unit
    u2, = ids(Unit, "二局")
    resp = b.post("/followuprecordview/add", record_form(date="2021-06-03", unit=str(u2)))
    assert "选择无效" in resp.get_data(as_text=True)
    resp = api("clerk_town").post("/api/v1/followup_record/", json={"village": ids(Village, "丁村")[0], "date": "2021-06-01", "kind": "visit", "rectification": "none"})
    assert resp.status_code == 422


def test_money_totals_are_exact(api):
    c = api("office")
    v, = ids(Village, "丁村")
    for amount in ["0.10", "0.20", "0.10", "0.20", "0.10", "0.20", "0.10"]:
        resp = c.post("/api/v1/followup_record/", json={"village": v, "date": "2021-06-20", "kind": "funds",
                                                         "funds": amount, "rectification": "none"})
        assert resp.status_code == 201, resp.get_json()
    row = summary(c, 2021)[("丁村", 2021)]
    assert row["funds"] == "1.30"  # 0.30 + 1.00, no float residue
    resp = c.post("/api/v1/followup_record/", json={"village": v, "date": "2021-06-20", "kind": "funds",
                                                     "funds": "0.0000001", "rectification": "none"})
    assert resp.status_code == 422


def test_village_page_shows_follow_up(browser):
    a, = ids(Village, "甲村")
    html = browser("clerk_town").get("/villageview/show/%d" % a).get_data(as_text=True)
    assert "蔬菜大棚" in html and "-2.25" in html
