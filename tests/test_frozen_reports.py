"""Frozen reports (签发报表): the office freezes a report; the stored copy
never changes when the data or the parameters do, is read by the office,
Admin and the inspector (not by clerks: a county report), exports in the
official layout, and sits side by side with today's figures."""
import csv
import io
import json

import pytest

from villageaid.models import FrozenReport, ReserveCandidate, Village

from .helpers import count, database, ids

URL = "/villageaid/frozen/"
KINDS = ["coverage", "reserve_summary", "below_target", "followup_summary", "alerts"]


def freeze(browser, kind, note=""):
    resp = browser.post(URL + "freeze", {"kind": kind, "note": note}, token_from=URL)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    with database() as s:
        return s.query(FrozenReport).order_by(FrozenReport.id.desc()).first().id


def stored(pk):
    with database() as s:
        item = s.get(FrozenReport, pk)
        return item.tables, item.settings_used, item.row_version


def add_candidates(village, n):
    with database() as s:
        v = s.query(Village).filter_by(name=village).one()
        for i in range(n):
            s.add(ReserveCandidate(village=v, name="后备%d" % i, gender="male", education="bachelor",
                                   political_status="masses", background="other", target_post="both",
                                   status="cultivating"))
        s.commit()


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_freezes_and_shows(browser, kind):
    b = browser("office")
    pk = freeze(b, kind, "第一季度")
    page = b.get("%s%d/" % (URL, pk)).get_data(as_text=True)
    assert "第一季度" in page and "依据参数" in page and "填报单位" in page
    assert b.get("%s%d/compare/" % (URL, pk)).status_code == 200
    tables = json.loads(stored(pk)[0])
    assert tables and all({"key", "title", "headers", "rows", "total"} <= set(t) for t in tables)


def test_a_frozen_report_stays_the_same_after_the_data_changes(browser):
    b = browser("office")
    pk = freeze(b, "below_target")
    before = stored(pk)
    page_before = b.get("%s%d/" % (URL, pk)).get_data(as_text=True)
    assert "甲村" in page_before
    add_candidates("甲村", 2)
    # and a parameter changes too
    assert b.post("/villageaid/settings/VILLAGEAID_RESERVE_TARGET/edit", {"value": "1", "row_version": ""}).status_code == 302
    assert stored(pk) == before
    page_after = b.get("%s%d/" % (URL, pk)).get_data(as_text=True)
    assert "甲村" in page_after and "每村后备人选数 = 2" in page_after
    # today's figures differ, side by side
    compare = b.get("%s%d/compare/" % (URL, pk)).get_data(as_text=True)
    assert "va-changed" in compare
    today = b.get("/belowtargetview/list/").get_data(as_text=True)
    assert "每村后备人选数 = 1" in today


def test_official_csv_layout(browser):
    b = browser("office")
    pk = freeze(b, "reserve_summary")
    tables = json.loads(stored(pk)[0])
    resp = b.get("%s%d/export/?table=%s" % (URL, pk, tables[0]["key"]))
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0].startswith("后备力量统计")
    assert rows[1][0] == "填报单位" and rows[2][0] == "截至日期" and rows[3][0] == "签发人"
    assert rows[-1][0] == "合计"
    assert tables[0]["headers"] in rows
    assert b.get("%s%d/export/?table=nosuch" % (URL, pk)).status_code == 400


def test_official_layout_as_xlsx(browser):
    from openpyxl import load_workbook

    b = browser("office")
    pk = freeze(b, "coverage")
    tables = json.loads(stored(pk)[0])
    resp = b.get("%s%d/export/?table=%s&format=xlsx" % (URL, pk, tables[0]["key"]))
    assert resp.status_code == 200 and ".xlsx" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("轮训覆盖率")
    assert rows[1][0] == "填报单位" and rows[2][0] == "截至日期" and rows[3][0] == "签发人"
    assert rows[-1][0] == "合计"
    assert [h for h in tables[0]["headers"]] in [[v for v in r[:len(tables[0]["headers"])]] for r in rows]
    assert b.get("%s%d/export/?table=%s&format=pdf" % (URL, pk, tables[0]["key"])).status_code == 400


def test_who_sees_and_who_freezes(browser):
    pk = freeze(browser("office"), "alerts")
    inspector = browser("inspector")
    assert inspector.get(URL).status_code == 200
    assert inspector.get("%s%d/" % (URL, pk)).status_code == 200
    assert inspector.get("%s%d/export/" % (URL, pk)).status_code == 200
    n = count(FrozenReport)
    resp = inspector.client.post(URL + "freeze", data={"kind": "alerts",
                                                       "csrf_token": inspector.csrf("/resetmypassword/form")})
    assert resp.status_code in (302, 403) and count(FrozenReport) == n
    for clerk in ("clerk_town", "clerk_unit"):
        c = browser(clerk)
        for url in (URL, "%s%d/" % (URL, pk), "%s%d/export/" % (URL, pk), "%s%d/compare/" % (URL, pk)):
            assert c.get(url).status_code in (302, 403), url
        token = c.csrf("/resetmypassword/form")
        assert c.client.post(URL + "freeze", data={"kind": "alerts", "csrf_token": token}).status_code in (302, 403)
    assert count(FrozenReport) == n
    assert browser("office").get("%s999999/" % URL).status_code == 404


def test_an_unknown_report_is_refused(browser):
    b = browser("office")
    n = count(FrozenReport)
    resp = b.post(URL + "freeze", {"kind": "nosuch"}, token_from=URL)
    assert resp.status_code == 302
    assert count(FrozenReport) == n
    assert "选择无效" in b.get(URL).get_data(as_text=True)


def test_freezing_is_recorded_in_the_history(browser):
    from villageaid.models import ChangeRecord

    pk = freeze(browser("office"), "coverage")
    assert count(ChangeRecord, ChangeRecord.model == "FrozenReport", ChangeRecord.record_id == pk) == 1
    assert ids(Village, "甲村")
