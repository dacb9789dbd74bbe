"""Follow-up figures and alerts on a fixture computed by hand: money exact to
the fen, the yearly summary like for like (the reference year to date
against the same days of the year before; empty years listed and flagged),
the drop thresholds, the "no one there" alerts, focus villages in the
follow-up set, and stored alerts taken up and closed (and opened again in
the next period while the condition holds) — as the office and the two
clerks, refusals included.

Reference date 2021-06-15. Villages (all exited in 2017 unless said):

- 庚村 (甲镇, 一局; a resident cadre on duty): 2019-05-01 visit; 2020-03-01
  funds 10.00; 2020-06-10 visit; 2020-06-20 visit; 2021-03-01 funds 9.50;
  2021-06-05 visit; 2021-06-20 visit (after the reference day).
  Funds 10.00 -> 9.50 to date: a 5 % drop of 0.50 万元, no alert.
- 辛村 (甲镇, 一局; no resident cadre): 2020-02-01 funds 6.50; 2021-02-01
  funds 4.50; 2021-06-01 visit. A 30.8 % drop of 2.00 万元: less_funds.
- 壬村 (甲镇, no stationed unit; its resident cadre has left): 2021-05-01
  visit only; nothing in the same period of 2020.
- 癸村 (甲镇, 一局): a focus non-poor village (150 registered poor) in the
  follow-up set since 2020-05-01: 2020-06-01 visit, 2021-06-01 visit.
- 子村 (乙乡, 二局): no record at all; no clerk sees it.
"""
from datetime import date
from decimal import Decimal

import pytest

from villageaid import followup
from villageaid.models import Cadre, ChangeRecord, FollowUpAlert, FollowUpRecord, Town, Unit, Village

from .helpers import count, database, fetch, ids
from .scope_world import id_number

REFERENCE = date(2021, 6, 15)
VILLAGES = {
    # name: (town, unit, poverty status, exit year, registered poor, in the follow-up set since)
    "庚村": ("甲镇", "一局", "poor", 2017, 60, None),
    "辛村": ("甲镇", "一局", "poor", 2017, 60, None),
    "壬村": ("甲镇", None, "poor", 2017, 60, None),
    "癸村": ("甲镇", "一局", "non_poor", None, 150, date(2020, 5, 1)),
    "子村": ("乙乡", "二局", "poor", 2017, 60, None),
}
RECORDS = [
    ("庚村", date(2019, 5, 1), "visit", None),
    ("庚村", date(2020, 3, 1), "funds", "10.00"),
    ("庚村", date(2020, 6, 10), "visit", None),
    ("庚村", date(2020, 6, 20), "visit", None),
    ("庚村", date(2021, 3, 1), "funds", "9.50"),
    ("庚村", date(2021, 6, 5), "visit", None),
    ("庚村", date(2021, 6, 20), "visit", None),
    ("辛村", date(2020, 2, 1), "funds", "6.50"),
    ("辛村", date(2021, 2, 1), "funds", "4.50"),
    ("辛村", date(2021, 6, 1), "visit", None),
    ("壬村", date(2021, 5, 1), "visit", None),
    ("癸村", date(2020, 6, 1), "visit", None),
    ("癸村", date(2021, 6, 1), "visit", None),
]
CADRES = [("庚村", "active", 1), ("壬村", "left", 2), ("癸村", "active", 3)]
OURS = set(VILLAGES)


@pytest.fixture(scope="module", autouse=True)
def alerts_fixture(app, snapshot):
    with database() as s:
        town = {t.name: t for t in s.query(Town)}
        unit = {u.name: u for u in s.query(Unit)}
        for name, (t, u, status, year, poor, since) in VILLAGES.items():
            s.add(Village(name=name, town=town[t], unit=unit.get(u), poverty_status=status, exit_year=year,
                          registered_poor=poor, followup_since=since))
        s.flush()
        village = {v.name: v for v in s.query(Village)}
        for v, day, kind, funds in RECORDS:
            s.add(FollowUpRecord(village=village[v], date=day, kind=kind, funds=Decimal(funds) if funds else None,
                                 unit=village[v].unit, rectification="none"))
        for v, status, seq in CADRES:
            s.add(Cadre(name="驻村" + v, gender="male", id_number=id_number("19800101", 700 + seq),
                        kind="resident", post="team_member", unit=unit["一局"], village=village[v],
                        start_date=date(2020, 1, 1), status=status))
        s.flush()
        followup.rebuild_months(s)  # rows added around the write path
        s.commit()
    snapshot.push()
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
    yield
    app.config["VILLAGEAID_REFERENCE_DATE"] = None
    snapshot.pop()


@pytest.fixture
def setting(app):
    changed = {}

    def set_to(name, value):
        changed.setdefault(name, app.config.get(name, KeyError))
        app.config[name] = value

    yield set_to
    for name, value in changed.items():
        if value is KeyError:
            app.config.pop(name, None)
        else:
            app.config[name] = value


def alerts_of(client):
    """{(village, kind): alert} of our villages, as the API gives them."""
    data = client.get("/api/v1/followup/alerts").get_json()
    return {(a["village"], a["kind"]): a for a in data["alerts"] if a["village"] in OURS}


def summary(client):
    rows = client.get("/api/v1/followup/summary").get_json()["rows"]
    return {(r["village"], r["year"]): r for r in rows if r["village"] in OURS}


# --- money -------------------------------------------------------------------------


def test_a_350_50_yuan_record_sums_exactly(api, browser):
    c = api("clerk_town")
    gen, = ids(Village, "庚村")
    resp = c.post("/api/v1/followup_record/", json={"village": gen, "date": "2021-06-01", "kind": "funds",
                                                     "funds": "0.03505", "rectification": "none"})
    assert resp.status_code == 201, resp.get_json()
    pk = resp.get_json()["id"]
    assert c.get("/api/v1/followup_record/%d" % pk).get_json()["result"]["funds"] == "0.035050"
    assert fetch(FollowUpRecord, pk).funds == Decimal("0.03505")
    # the month and the year to date are maintained on write: 9.50 + 0.03505
    assert summary(c)[("庚村", 2021)]["funds"] == "9.535050"
    html = browser("clerk_town").get("/followuprecordview/show/%d" % pk).get_data(as_text=True)
    assert "0.035050" in html
    csv_text = browser("clerk_town").get("/followuprecordview/export/").get_data().decode("utf-8-sig")
    assert ",0.035050," in csv_text and ",9.50," in csv_text
    # the same record through the form; a seventh decimal (a tenth of a fen) is refused
    b = browser("clerk_town")
    form = {"village": str(gen), "date": "2021-06-02", "kind": "funds", "funds": "0.03505", "rectification": "none"}
    assert b.post("/followuprecordview/add", form).status_code == 302
    assert summary(c)[("庚村", 2021)]["funds"] == "9.570100"
    before = count(FollowUpRecord)
    resp = b.post("/followuprecordview/add", dict(form, funds="0.0350501"))
    assert "金额精确到分" in resp.get_data(as_text=True) and count(FollowUpRecord) == before
    # deleting one takes it out of the month again; restoring it brings it back
    assert c.delete("/api/v1/followup_record/%d" % pk).status_code == 200
    assert summary(c)[("庚村", 2021)]["funds"] == "9.535050"
    resp = b.post("/villageaid/bin/followup/%d/restore" % pk, token_from="/villageaid/bin/followup/")
    assert resp.status_code == 302
    assert summary(c)[("庚村", 2021)]["funds"] == "9.570100"
    # an edit moving it to another month and village moves its figures
    xin, = ids(Village, "辛村")
    version = c.get("/api/v1/followup_record/%d" % pk).get_json()["result"]["row_version"]
    resp = c.put("/api/v1/followup_record/%d" % pk, json={"village": xin, "date": "2021-01-10", "kind": "funds",
                                                          "funds": "0.03505", "rectification": "none",
                                                          "row_version": version})
    assert resp.status_code == 200, resp.get_json()
    rows = summary(c)
    assert (rows[("庚村", 2021)]["funds"], rows[("辛村", 2021)]["funds"]) == ("9.535050", "4.535050")


# --- the yearly summary --------------------------------------------------------------


def test_the_reference_year_compares_the_same_days(api):
    rows = summary(api("office"))
    g2021, g2020 = rows[("庚村", 2021)], rows[("庚村", 2020)]
    # 2021-01-01..06-15: 9.50 funds, one visit (06-05; 06-20 is after the day);
    # 2020-01-01..06-15: 10.00 funds, one visit (06-10; not 06-20)
    assert (g2021["to_date"], g2021["records"], g2021["funds"], g2021["funds_before"], g2021["funds_change"],
            g2021["visits"], g2021["visits_before"], g2021["visits_change"]) == (
        True, 2, "9.50", "10.00", "-0.50", 1, 1, 0)
    # a finished year against the whole year before (2019: one visit)
    assert (g2020["to_date"], g2020["records"], g2020["funds"], g2020["funds_before"], g2020["visits"],
            g2020["visits_before"]) == (False, 3, "10.00", "0.00", 2, 1)


def test_empty_years_in_the_range_are_listed_and_flagged(api, browser):
    rows = summary(api("clerk_town"))
    assert {y for v, y in rows if v == "庚村"} == {2017, 2018, 2019, 2020, 2021}  # not 2016, not 2022
    assert {y for (v, y), r in rows.items() if v == "庚村" and r["empty"]} == {2017, 2018}
    # a focus village: from the year it joined
    assert {y for v, y in rows if v == "癸村"} == {2020, 2021}
    assert not rows[("癸村", 2020)]["empty"]
    html = browser("clerk_town").get("/followupyearview/list/?_flt_0_year=2018&psize_FollowUpYearView=100")
    assert "庚村" in html.get_data(as_text=True)


# --- thresholds and the "no one there" alerts -------------------------------------------


def test_a_small_drop_raises_no_alert_and_a_large_one_does(api):
    found = alerts_of(api("office"))
    assert ("庚村", "less_funds") not in found  # 5 %, 0.50 万元
    reason = found[("辛村", "less_funds")]["reason"]  # 30.8 %, 2.00 万元
    assert reason == "今年截至目前资金 4.50 万元，去年同期 6.50 万元（阈值：下降 20% 且 1 万元）。"


def test_a_zero_in_the_earlier_period_is_never_a_drop(api, setting):
    setting("VILLAGEAID_ALERT_FUNDS_DROP_PERCENT", 0)
    setting("VILLAGEAID_ALERT_FUNDS_DROP_MIN", 0)
    setting("VILLAGEAID_ALERT_VISITS_DROP_PERCENT", 0)
    setting("VILLAGEAID_ALERT_VISITS_DROP_MIN", 0)
    found = alerts_of(api("office"))
    assert ("庚村", "less_funds") in found  # any drop at all now
    # 壬村 had nothing in the same period last year
    assert {k for v, k in found if v == "壬村"} == {"no_cadre", "no_unit"}


def test_no_one_there(api):
    found = alerts_of(api("clerk_town"))
    assert {v for v, k in found if k == "no_cadre"} == {"辛村", "壬村"}
    assert {v for v, k in found if k == "no_unit"} == {"壬村"}
    assert found[("壬村", "no_unit")]["reason"] == "该村没有派驻单位。"
    assert ("子村", "no_record") not in found  # not the clerk's
    assert ("子村", "no_record") in alerts_of(api("office"))


def test_a_focus_village_joins_the_follow_up_set(api, browser):
    kui, = ids(Village, "癸村")
    c = api("clerk_town")
    resp = c.post("/api/v1/followup_record/", json={"village": kui, "date": "2019-12-01", "kind": "visit",
                                                     "rectification": "none"})
    assert resp.status_code == 422  # before the year it joined
    resp = c.post("/api/v1/followup_record/", json={"village": kui, "date": "2021-06-03", "kind": "visit",
                                                     "rectification": "none"})
    assert resp.status_code == 201
    # only a focus village goes in by date
    b = browser("office")
    town, = ids(Town, "甲镇")
    before = count(Village)
    resp = b.post("/villageview/add", {"name": "小村", "town": str(town), "poverty_status": "non_poor",
                                       "registered_poor": "20", "followup_since": "2021-01-01"})
    assert "只有重点非贫困村可以纳入跟进帮扶" in resp.get_data(as_text=True) and count(Village) == before


# --- stored alerts, taken up and closed ---------------------------------------------------


def handle(b, pk, **values):
    url = "/followupalertview/edit/%d" % pk
    form = {"status": "", "note": "", "responsible_unit": "", "deadline": "", "result": ""}
    form.update(values)
    form["row_version"] = b.row_version(url)
    return b.post(url, form)


def test_an_alert_is_taken_up_closed_and_opens_again_next_period(api, browser, setting):
    c = api("clerk_town")
    alert = alerts_of(c)[("辛村", "less_funds")]
    pk = alert["id"]
    assert alert["status"] == "open" and fetch(FollowUpAlert, pk).period == "2021-06"
    b = browser("clerk_unit")  # the unit's clerk takes it up, naming its unit
    u1, u2 = ids(Unit, "一局")[0], ids(Unit, "二局")[0]
    # taking up needs a note; another unit may not be named (a forged choice)
    resp = handle(b, pk, status="taken_up", responsible_unit=str(u1), deadline="2021-06-30")
    assert "处置预警须填写处置意见" in resp.get_data(as_text=True)
    resp = handle(b, pk, status="taken_up", note="督促追加资金", responsible_unit=str(u2), deadline="2021-06-30")
    assert "选择无效" in resp.get_data(as_text=True)
    assert fetch(FollowUpAlert, pk).status == "open" and fetch(FollowUpAlert, pk).responsible_unit_id is None
    assert handle(b, pk, status="taken_up", note="督促追加资金", responsible_unit=str(u1),
                  deadline="2021-06-30").status_code == 302
    resp = handle(b, pk, status="closed", note="督促追加资金", responsible_unit=str(u1), deadline="2021-06-30")
    assert "办结预警须填写办理结果" in resp.get_data(as_text=True)
    assert handle(b, pk, status="closed", note="督促追加资金", responsible_unit=str(u1), deadline="2021-06-30",
                  result="已追加 2 万元").status_code == 302
    row = fetch(FollowUpAlert, pk)
    assert (row.status, row.responsible_unit_id, row.result, row.closed_on) == ("closed", u1, "已追加 2 万元",
                                                                                  REFERENCE)
    # history records each step
    assert [r.action for r in _history(pk)] == ["create", "update", "update"]
    # closed stays closed in its period ...
    assert alerts_of(c)[("辛村", "less_funds")]["id"] == pk
    assert alerts_of(c)[("辛村", "less_funds")]["status"] == "closed"
    resp = handle(b, pk, status="open", note="x", responsible_unit=str(u1), deadline="2021-06-30", result="x")
    assert "已办结的预警不再重开" in resp.get_data(as_text=True)
    # ... and the condition holding in the next period opens a new alert
    setting("VILLAGEAID_REFERENCE_DATE", date(2021, 7, 15))
    again = alerts_of(c)[("辛村", "less_funds")]
    assert again["id"] != pk and again["status"] == "open"
    assert fetch(FollowUpAlert, again["id"]).period == "2021-07"
    # the handling list shows both; the export too
    html = b.get("/followupalertview/list/?psize_FollowUpAlertView=100").get_data(as_text=True)
    assert "已办结" in html and "待处置" in html
    csv_text = b.get("/followupalertview/export/").get_data().decode("utf-8-sig")
    assert "已追加 2 万元" in csv_text and "子村" not in csv_text


def _history(pk):
    with database() as s:
        return s.query(ChangeRecord).filter_by(model="FollowUpAlert", record_id=pk).order_by(ChangeRecord.id).all()


def test_another_scopes_alert_is_not_found(api, browser):
    office = alerts_of(api("office"))
    pk = office[("子村", "no_record")]["id"]
    b = browser("clerk_town")
    assert b.get("/followupalertview/show/%d" % pk).status_code == 404
    resp = b.post("/followupalertview/edit/%d" % pk, {"status": "taken_up", "note": "x", "deadline": "2021-06-30",
                                                       "row_version": "1"}, token_from="/followupalertview/list/")
    assert resp.status_code == 404 and fetch(FollowUpAlert, pk).status == "open"
    assert browser("clerk_unit").get("/followupalertview/show/%d" % pk).status_code == 404
    # made the responsibility of 一局 by the office: 一局's clerk sees it, the town's clerk still not
    u1, = ids(Unit, "一局")
    assert handle(browser("office"), pk, status="taken_up", note="派员进驻", responsible_unit=str(u1),
                  deadline="2021-07-31").status_code == 302
    assert browser("clerk_unit").get("/followupalertview/show/%d" % pk).status_code == 200
    assert b.get("/followupalertview/show/%d" % pk).status_code == 404


def test_overdue_alerts_per_unit_and_town(api, browser, setting):
    pk = alerts_of(api("office"))[("壬村", "no_cadre")]["id"]
    u1, = ids(Unit, "一局")
    t1, = ids(Town, "甲镇")
    office = browser("office")
    assert handle(office, pk, status="taken_up", note="补派干部", responsible_unit=str(u1),
                  deadline="2021-06-20").status_code == 302
    overdue = "/followupalertview/list/?_flt_0_overdue=y&psize_FollowUpAlertView=100"
    html = office.get(overdue + "&_flt_0_town=%d" % t1).get_data(as_text=True)
    assert "补派干部" not in html and "/followupalertview/show/%d\"" % pk not in html  # 20 June is ahead
    setting("VILLAGEAID_REFERENCE_DATE", date(2021, 6, 21))
    for who in ("office", "clerk_unit", "clerk_town"):
        html = browser(who).get(overdue + "&_flt_0_responsible_unit=%d" % u1).get_data(as_text=True)
        assert "/followupalertview/show/%d\"" % pk in html, who
    csv_text = office.get("/followupalertview/export/?_flt_0_overdue=y").get_data().decode("utf-8-sig")
    assert csv_text.count("\r\n") == 2 and "壬村" in csv_text  # the header and the one overdue alert


def test_the_scheduled_command_stores_the_alerts(app):
    with database() as s:
        s.query(FollowUpAlert).delete()
        s.commit()
    result = app.test_cli_runner().invoke(args=["villageaid", "alerts"])
    assert result.exit_code == 0, result.output
    assert "2021-06" in result.output
    with database() as s:
        stored = {(a.village.name, a.kind) for a in s.query(FollowUpAlert)}
    assert {("辛村", "less_funds"), ("子村", "no_record"), ("壬村", "no_unit")} <= stored
    again = app.test_cli_runner().invoke(args=["villageaid", "alerts"])
    assert again.exit_code == 0 and count(FollowUpAlert) == len(stored)  # once per period


def test_a_scope_over_the_limit_picks_a_town_or_unit_first(api, browser, setting):
    """Above VILLAGEAID_ALERTS_MAX_VILLAGES follow-up villages the page
    checks nothing live: it says how many stored alerts are open and asks
    for a town or a unit; with one chosen, the live check runs as usual."""
    alerts_of(api("office"))  # the alerts stored, as the daily job does
    office = browser("office")
    setting("VILLAGEAID_ALERTS_MAX_VILLAGES", 4)  # the office sees 6 follow-up villages
    html = office.get("/villageaid/followup/alerts/").get_data(as_text=True)
    assert 'id="alerts-narrow"' in html and "超过 4 个跟进村" in html and 'id="alerts"' not in html
    assert "/followupalertview/list/" in html
    with database() as s:
        open_alerts = s.query(FollowUpAlert).filter(FollowUpAlert.status != "closed").count()
    assert "未关闭 %d 条" % open_alerts in html
    # 甲镇 with 5 follow-up villages is still over; 一局 with 4 is not
    t1, = ids(Town, "甲镇")
    assert 'id="alerts-narrow"' in office.get("/villageaid/followup/alerts/?town=%d" % t1).get_data(as_text=True)
    u1, = ids(Unit, "一局")
    html = office.get("/villageaid/followup/alerts/?unit=%d" % u1).get_data(as_text=True)
    assert 'id="alerts-narrow"' not in html and 'id="alerts"' in html and "辛村" in html
    # the limit is the scope's, whoever asks: 甲镇's clerk (5) picks too, 一局's (4) does not
    assert 'id="alerts-narrow"' in browser("clerk_town").get("/villageaid/followup/alerts/").get_data(as_text=True)
    html = browser("clerk_unit").get("/villageaid/followup/alerts/").get_data(as_text=True)
    assert 'id="alerts-narrow"' not in html and "辛村" in html
    setting("VILLAGEAID_ALERTS_MAX_VILLAGES", 0)  # no limit
    assert 'id="alerts"' in office.get("/villageaid/followup/alerts/").get_data(as_text=True)
