"""Open (not closed) and overdue alerts per responsible unit and per town:
each count equals the alert list (预警处置) it links to, for the office and
both clerks; a clerk counts only the alerts of its scope; CSV and .xlsx
exports with a receipt.

Fixture (reference date 2021-06-15), stored alerts on the suite's villages:

- 甲村 (甲镇, 一局): less_funds open, no responsible unit, deadline
  2021-06-01 (overdue); no_recent_visit taken up by 一局, deadline
  2021-07-01; no_record closed (counted nowhere).
- 乙村 (乙乡, 二局): no_cadre taken up by 一局, deadline 2021-06-10 (overdue).
- 丙村 (乙乡, 一局): no_unit open, no responsible unit, no deadline.

By hand — office (and clerk_unit, who sees 甲村, 丙村 and what 一局 is
responsible for): 一局 2 open / 1 overdue, no unit 2 / 1; 甲镇 2 / 1,
乙乡 2 / 1; total 4 / 2. clerk_town (甲镇): 一局 1 / 0, no unit 1 / 1;
甲镇 2 / 1; total 2 / 1.
"""
import csv
import html as htmllib
import io
import re
from datetime import date

import pytest

from villageaid.models import ExportReceipt, FollowUpAlert, Unit, Village

from .helpers import count, database, listed_count

URL = "/villageaid/alertcounts/"
REFERENCE = date(2021, 6, 15)
ALERTS = [
    # village, kind, status, responsible unit, deadline
    ("甲村", "less_funds", "open", None, date(2021, 6, 1)),
    ("甲村", "no_recent_visit", "taken_up", "一局", date(2021, 7, 1)),
    ("甲村", "no_record", "closed", "一局", date(2021, 1, 1)),
    ("乙村", "no_cadre", "taken_up", "一局", date(2021, 6, 10)),
    ("丙村", "no_unit", "open", None, None),
]
NO_UNIT = "（尚未认领：无责任单位）"
EXPECTED = {
    # user: ({unit: (open, overdue)}, {town: (open, overdue)}, total)
    "office": ({"一局": (2, 1), NO_UNIT: (2, 1)}, {"甲镇": (2, 1), "乙乡": (2, 1)}, (4, 2)),
    "clerk_unit": ({"一局": (2, 1), NO_UNIT: (2, 1)}, {"甲镇": (2, 1), "乙乡": (2, 1)}, (4, 2)),
    "clerk_town": ({"一局": (1, 0), NO_UNIT: (1, 1)}, {"甲镇": (2, 1)}, (2, 1)),
}


@pytest.fixture(scope="module", autouse=True)
def alert_fixture(app, snapshot):
    with database() as s:
        village = {v.name: v for v in s.query(Village)}
        unit = {u.name: u for u in s.query(Unit)}
        for name, kind, status, responsible, deadline in ALERTS:
            v = village[name]
            s.add(FollowUpAlert(village=v, town_id=v.town_id, kind=kind, period="2021-06", raised_on=date(2021, 6, 1),
                                reason="test", status=status, deadline=deadline,
                                responsible_unit_id=unit[responsible].id if responsible else None))
        s.commit()
    snapshot.push()
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
    yield
    app.config["VILLAGEAID_REFERENCE_DATE"] = None
    snapshot.pop()


def page_of(client):
    resp = client.get(URL)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def table(page, key):
    """{first cell: (open, overdue)} and the links of table `key`."""
    body = re.search(r'<table[^>]*id="alert-counts-%s".*?</table>' % key, page, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>.*?</tr>|<tr class=\"active\">.*?</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 3:
            rows[cells[0]] = (int(cells[1]), int(cells[2]))
    links = [(htmllib.unescape(href), int(n)) for href, n in re.findall(r'<a href="([^"]+)">(\d+)</a>', body)]
    return rows, links



@pytest.mark.parametrize("user", ["office", "clerk_town", "clerk_unit"])
def test_counts_of_the_fixture_and_each_equals_its_list(browser, user):
    client = browser(user)
    page = page_of(client)
    units, towns, total = EXPECTED[user]
    unit_rows, unit_links = table(page, "unit")
    town_rows, town_links = table(page, "town")
    assert unit_rows == {**units, "合计": total}
    assert town_rows == {**towns, "合计": total}
    checked = 0
    for link, number in unit_links + town_links:
        assert "/followupalertview/list/" in link
        assert listed_count(client, link) == number, link
        checked += 1
    assert checked == 2 * (len(unit_rows) + len(town_rows))


def test_a_clerk_counts_only_its_scope(browser):
    page = page_of(browser("clerk_town"))
    assert "乙乡" not in page  # 乙村 and 丙村 are outside 甲镇
    assert "乙村" not in page


def test_closing_an_alert_takes_it_off_the_counts(browser):
    with database() as s:
        alert = s.query(FollowUpAlert).filter_by(kind="no_cadre").one()
        alert.status, alert.result, alert.closed_on = "closed", "done", date(2021, 6, 14)
        s.commit()
    rows, _links = table(page_of(browser("office")), "town")
    assert rows["乙乡"] == (1, 0) and rows["合计"] == (3, 1)


@pytest.mark.parametrize("user", ["office", "clerk_town"])
def test_exports_csv_and_xlsx_with_a_receipt(browser, user):
    from openpyxl import load_workbook

    client = browser(user)
    units, towns, total = EXPECTED[user]
    n = count(ExportReceipt)
    resp = client.get(URL + "export/?table=town")
    assert resp.status_code == 200 and "text/csv" in resp.headers["Content-Type"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0].startswith("镇") and rows[0][1:] == ["未办结", "已逾期"]
    assert {r[0]: (int(r[1]), int(r[2])) for r in rows[1:]} == {**towns, "合计": total}
    resp = client.get(URL + "export/?table=unit&format=xlsx")
    assert resp.status_code == 200 and ".xlsx" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    found = {r[0]: (int(r[1]), int(r[2])) for r in values if r and r[0] in {**units, "合计": 0}}
    assert found == {**units, "合计": total}
    assert count(ExportReceipt) == n + 2
    assert client.get(URL + "export/?table=nosuch").status_code == 400
    assert client.get(URL + "export/?format=pdf").status_code == 400
    assert count(ExportReceipt) == n + 2


def test_in_the_menu_next_to_alert_handling(browser):
    page = browser("clerk_town").get("/").get_data(as_text=True)
    handling = page.find("预警处置")
    counts = page.find("预警分单位分镇统计")
    assert handling != -1 and counts != -1 and 0 < counts - handling < 600


def test_refused_to_the_anonymous(browser):
    resp = browser(None).get(URL)
    assert resp.status_code in (302, 401, 403)
