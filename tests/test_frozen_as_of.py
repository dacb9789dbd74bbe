"""Frozen reports as of a chosen date: computed with that date as their
reference date, the date and the notes on what a past date cannot rebuild
stored with them and shown on the report, its exports and the side-by-side
view; the stored copy stays the same when the data changes; bad dates are
refused with a message and nothing is stored.

Fixture computed by hand, as of 2021-04-30, in a town of its own (戊镇, one
village 戊村, 一局, exited 2017):

- cadres (resident, 一局): 戊甲 started 2021-01-10, completed session 戊一期
  (ended 2021-03-31); 戊乙 started 2021-02-01, completed 戊二期 (ended
  2021-05-20, after the date); 戊丙 started 2021-05-01 (after the date).
  As of 2021-04-30: 2 new cadres, 1 trained (50.0 %). Today: 3 new, 2 trained.
- follow-up records of 戊村: 2020-03-01 funds 2.00; 2021-03-01 funds 1.00;
  2021-04-20 visit; 2021-05-10 visit. As of 2021-04-30, the year 2021 to
  date: 2 records, 1 visit, funds 1.00 against 2.00 in the same days of
  2020; no year after 2021. Today 2021 is a whole year: 3 records, 2 visits.
- reserve candidates of 戊村 (target 一肩挑, being cultivated): 戊候一 on
  record since 2021-04-01, 戊候二 since 2021-06-01. As of 2021-04-30: 1.
"""
import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from villageaid import followup, training
from villageaid.models import (Cadre, FollowUpRecord, FrozenReport, ReserveCandidate, Town, TrainingAttendance,
                               TrainingSession, Unit, Village)

from .helpers import count, database
from .scope_world import id_number

URL = "/villageaid/frozen/"
AS_OF = "2021-04-30"
CADRES = [("戊甲", date(2021, 1, 10), "戊一期"), ("戊乙", date(2021, 2, 1), "戊二期"), ("戊丙", date(2021, 5, 1), None)]
SESSIONS = {"戊一期": (date(2021, 3, 30), date(2021, 3, 31)), "戊二期": (date(2021, 5, 18), date(2021, 5, 20))}
RECORDS = [(date(2020, 3, 1), "funds", "2.00"), (date(2021, 3, 1), "funds", "1.00"),
           (date(2021, 4, 20), "visit", None), (date(2021, 5, 10), "visit", None)]
CANDIDATES = [("戊候一", datetime(2021, 4, 1, 2, 0)), ("戊候二", datetime(2021, 6, 1, 2, 0))]


@pytest.fixture(scope="module", autouse=True)
def as_of_fixture(app, snapshot):
    with database() as s:
        unit = s.query(Unit).filter_by(name="一局").one()
        town = Town(name="戊镇", kind="town", code="T5")
        village = Village(name="戊村", town=town, unit=unit, poverty_status="poor", exit_year=2017,
                          registered_poor=60)
        s.add_all([town, village])
        sessions = {title: TrainingSession(title=title, start_date=start, end_date=end, audience="both")
                    for title, (start, end) in SESSIONS.items()}
        s.add_all(sessions.values())
        for seq, (name, start, attended) in enumerate(CADRES):
            cadre = Cadre(name=name, gender="male", id_number=id_number("19850101", 900 + seq), kind="resident",
                          post="team_member", unit=unit, village=village, start_date=start, status="active")
            s.add(cadre)
            if attended:
                s.add(TrainingAttendance(training_session=sessions[attended], cadre=cadre, status="attended",
                                         completed=True))
        for day, kind, funds in RECORDS:
            s.add(FollowUpRecord(village=village, date=day, kind=kind, unit=unit,
                                 funds=Decimal(funds) if funds else None, rectification="none"))
        for seq, (name, on_record) in enumerate(CANDIDATES):
            s.add(ReserveCandidate(village=village, name=name, gender="male", education="bachelor",
                                   political_status="masses", background="other", target_post="both",
                                   status="cultivating", created_on=on_record, changed_on=on_record))
        s.flush()
        training.recompute_trained_on(s)
        followup.rebuild_months(s)  # rows added around the write path
        s.commit()
    snapshot.push()
    yield
    snapshot.pop()


def freeze(browser, kind, as_of=AS_OF, note=""):
    resp = browser.post(URL + "freeze", {"kind": kind, "note": note, "as_of": as_of}, token_from=URL)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    with database() as s:
        return s.query(FrozenReport).order_by(FrozenReport.id.desc()).first()


def table(item, key):
    return next(t for t in json.loads(item.tables) if t["key"] == key)


def row_of(tab, first, *more):
    """The row whose first cells are `first` (and `more`)."""
    wanted = [first, *more]
    return next(r for r in tab["rows"] if [str(c) for c in r[:len(wanted)]] == [str(w) for w in wanted])


def coverage_row(tables, town="戊镇"):
    return row_of(tables, town)[:5]


def followup_row(tab, year):
    row = next(r for r in tab["rows"] if r[0] == "戊村" and r[3] == year)
    # records, visits, visits before, funds, funds before
    return [row[6], row[7], row[8], Decimal(row[11]), Decimal(row[12])]


def reserve_total(tab):
    row = next(r for r in tab["rows"] if str(r[0]).startswith("戊镇"))
    return row[-2]  # total (the last column is the eligible ones)


def test_coverage_as_of_a_past_date(browser):
    b = browser("office")
    item = freeze(b, "coverage")
    assert item.as_of == date(2021, 4, 30)
    # 戊乙's session ended after the date: not trained; 戊丙 had not started
    assert coverage_row(table(item, "town")) == ["戊镇", 2, 1, 1, 50.0]
    today = freeze(b, "coverage", as_of="")
    assert coverage_row(table(today, "town")) == ["戊镇", 3, 2, 1, 66.7]
    notes = json.loads(item.notes)
    assert len(notes) == 3 and "2021-04-30" in notes[0] and "职务" in notes[1]
    assert today.notes is None


def test_followup_summary_as_of_a_past_date(browser):
    b = browser("office")
    item = freeze(b, "followup_summary")
    tab = table(item, "years")
    assert followup_row(tab, 2021) == [2, 1, 0, Decimal("1.00"), Decimal("2.00")]
    assert followup_row(tab, 2020) == [1, 0, 0, Decimal("2.00"), Decimal("0")]
    assert not [r for r in tab["rows"] if r[0] == "戊村" and r[3] > 2021]
    today = table(freeze(b, "followup_summary", as_of=""), "years")
    assert followup_row(today, 2021)[:2] == [3, 2]


def test_reserve_summary_as_of_a_past_date(browser):
    b = browser("office")
    assert reserve_total(table(freeze(b, "reserve_summary"), "town")) == 1
    assert reserve_total(table(freeze(b, "reserve_summary", as_of=""), "town")) == 2


def test_it_stays_the_same_after_the_data_changes_and_says_what_it_rests_on(browser):
    b = browser("office")
    item = freeze(b, "coverage", note="四月底")
    before = (item.tables, item.notes, item.as_of)
    with database() as s:
        # 戊丙 completes 戊一期 late in the roll call, and 戊甲 leaves
        cadre = {c.name: c for c in s.query(Cadre).filter(Cadre.name.in_(["戊甲", "戊丙"]))}
        early = s.query(TrainingSession).filter_by(title="戊二期").one()
        s.add(TrainingAttendance(training_session=early, cadre=cadre["戊丙"], status="attended", completed=True))
        cadre["戊甲"].status = "left"
        s.flush()
        training.recompute_trained_on(s)
        s.commit()
    with database() as s:
        again = s.get(FrozenReport, item.id)
        assert (again.tables, again.notes, again.as_of) == before
    page = b.get("%s%d/" % (URL, item.id)).get_data(as_text=True)
    assert "2021-04-30" in page and "数据说明" in page and "四月底" in page
    assert "系统未保存其在 2021-04-30 的取值" in page
    # the same date frozen again now gives other figures: the stored copy was not recomputed
    assert coverage_row(table(freeze(b, "coverage"), "town")) == ["戊镇", 1, 0, 1, 0.0]
    compare = b.get("%s%d/compare/" % (URL, item.id)).get_data(as_text=True)
    assert "截至 2021-04-30" in compare and "va-changed" in compare and "数据说明" in compare


def test_exports_name_the_date_and_the_notes(browser):
    from openpyxl import load_workbook

    b = browser("office")
    item = freeze(b, "coverage")
    resp = b.get("%s%d/export/?table=town" % (URL, item.id))
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0].startswith("轮训覆盖率")
    assert rows[1][0] == "填报单位" and rows[2] == ["截至日期", AS_OF]
    assert len([r for r in rows if r and r[0] == "数据说明"]) == 3
    assert ["戊镇", "2", "1", "1", "50.0"] == rows[[r[0] if r else "" for r in rows].index("戊镇")][:5]
    assert rows[-1][0] == "合计"
    assert "2021-04-30" in resp.headers["Content-Disposition"] or "2021-04-30" in \
        re.sub("%[0-9A-F]{2}", "", resp.headers["Content-Disposition"])
    resp = b.get("%s%d/export/?table=town&format=xlsx" % (URL, item.id))
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0].startswith("轮训覆盖率") and cells[2][:2] == ["截至日期", AS_OF]
    assert len([r for r in cells if r[0] == "数据说明"]) == 3
    assert cells[-1][0] == "合计"


@pytest.mark.parametrize("kind, as_of, message", [
    ("coverage", (date.today() + timedelta(days=3)).isoformat(), "截至日期不能晚于今天"),
    ("coverage", "2021-02-30", "截至日期须为日期"),
    ("coverage", "30/04/2021", "截至日期须为日期"),
    ("coverage", "1999-12-31", "截至日期不能早于 2000-01-01"),
    ("below_target", AS_OF, "只能按截至"),
    ("alerts", AS_OF, "只能按截至"),
])
def test_a_bad_date_is_refused_and_nothing_is_stored(browser, kind, as_of, message):
    b = browser("office")
    n = count(FrozenReport)
    resp = b.post(URL + "freeze", {"kind": kind, "as_of": as_of}, token_from=URL)
    assert resp.status_code == 302
    assert count(FrozenReport) == n
    assert message in b.get(URL).get_data(as_text=True)


def test_reports_that_cannot_be_rebuilt_freeze_as_of_today(browser):
    b = browser("office")
    today = re.search(r'<input type="date" id="as_of"[^>]* max="([0-9-]+)"', b.get(URL).get_data(as_text=True))
    item = freeze(b, "below_target", as_of=today.group(1))
    assert item.as_of.isoformat() == today.group(1) and item.notes is None


def test_the_form_offers_the_date_up_to_today(browser):
    page = browser("office").get(URL).get_data(as_text=True)
    field = re.search(r'<input type="date" id="as_of"[^>]*>', page).group(0)
    assert 'max="' in field and 'name="as_of"' in field
