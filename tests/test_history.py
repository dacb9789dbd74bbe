"""Change history: every write path leaves its rows, in the user's words,
visible with the record's scope, masked where the user sees masks, and the
operation log is the office's, read-only."""
import json
import re

import pytest

from villageaid.models import Cadre, ChangeRecord, Town, TrainingAttendance, TrainingSession, Unit, Village

from .helpers import count, database, deleted, ids


def changes_of(model, pk):
    with database() as s:
        rows = (s.query(ChangeRecord).filter_by(model=model.__name__, record_id=pk)
                .order_by(ChangeRecord.id).all())
        return [(r.action, r.path, {f: (b, a) for f, b, a in json.loads(r.changes)}, r.user_id) for r in rows]


def forget_history():
    with database() as s:
        s.query(ChangeRecord).delete()
        s.commit()


@pytest.fixture(autouse=True)
def no_history_left(app):
    """Ids are reused after a delete (SQLite): start and end with no history."""
    forget_history()
    yield
    forget_history()


def test_web_add_edit_delete_leave_history(browser):
    b = browser("clerk_town")
    t1, = ids(Town, "甲镇")
    resp = b.post("/villageview/add", {"name": "史村", "town": str(t1), "poverty_status": "non_poor", "registered_poor": "5"})
    assert resp.status_code == 302
    pk, = ids(Village, "史村")
    version = b.row_version("/villageview/edit/%d" % pk)
    resp = b.post("/villageview/edit/%d" % pk, {"name": "史村", "town": str(t1), "poverty_status": "non_poor",
                                                "registered_poor": "7", "row_version": version})
    assert resp.status_code == 302
    resp = b.post("/villageview/delete/%d" % pk, token_from="/villageview/list/")
    assert deleted(Village, pk)
    history = changes_of(Village, pk)
    assert [(a, p) for a, p, _f, _u in history] == [("create", "web"), ("update", "web"), ("delete", "web")]
    assert history[0][2]["town"] == (None, "甲镇") and history[0][2]["poverty_status"] == (None, "non_poor")
    assert history[1][2] == {"registered_poor": (5, 7)}
    assert history[2][2]["name"] == ("史村", None)


def test_api_and_bulk_writes_leave_history(api, browser):
    t1, = ids(Town, "甲镇")
    c = api("clerk_town")
    pk = c.post("/api/v1/village/", json={"name": "接口村", "town": t1, "poverty_status": "non_poor", "registered_poor": 1}).get_json()["id"]
    assert c.put("/api/v1/village/%d" % pk, json={"registered_poor": 2, "row_version": 1}).status_code == 200
    assert c.delete("/api/v1/village/%d" % pk).status_code == 200
    assert [(a, p) for a, p, _f, _u in changes_of(Village, pk)] == [("create", "api"), ("update", "api"), ("delete", "api")]
    # a bulk step: marking attendance
    with database() as s:
        from datetime import date
        ts = TrainingSession(title="史班", start_date=date(2021, 1, 1), end_date=date(2021, 1, 2), hours=8, audience="both")
        s.add(ts)
        s.flush()
        zhang = s.query(Cadre).filter_by(name="张一").one()
        att = TrainingAttendance(training_session=ts, cadre=zhang, status="enrolled")
        s.add(att)
        s.commit()
        att_id = att.id
    b = browser("clerk_town")
    resp = b.post("/attendanceview/action_post", {"action": "mark_completed", "rowid": [str(att_id)]}, token_from="/attendanceview/list/")
    assert resp.status_code == 302
    (action, path, fields, _u), = changes_of(TrainingAttendance, att_id)
    assert (action, path) == ("update", "bulk")
    assert fields == {"status": ("enrolled", "attended"), "completed": (False, True)}


def test_history_tab_shows_the_changes_as_a_person_reads_them(browser):
    c1, = ids(Cadre, "赵四")
    b = browser("office")
    version = b.row_version("/cadreview/edit/%d" % c1)
    u1, = ids(Unit, "一局")
    v1, = ids(Village, "甲村")
    form = {"name": "赵四", "gender": "female", "id_number": "530428199504040042", "phone": "13912345678",
            "kind": "resident", "post": "team_leader", "unit": str(u1), "village": str(v1),
            "start_date": "2020-06-01", "status": "active", "row_version": version}
    assert b.post("/cadreview/edit/%d" % c1, form).status_code == 302
    html = b.get("/cadreview/show/%d" % c1).get_data(as_text=True)
    assert "历史" in html
    tab = html[html.index('id="History"'):]
    for text in ("修改", "网页表单", "职务", "队员", "队长", "派出单位", "二局", "一局", "13812345678", "13912345678"):
        assert text in tab, text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<", tab)  # local time, no microseconds
    # the inspector sees the phone masked in the history too
    tab = browser("inspector").get("/cadreview/show/%d" % c1).get_data(as_text=True)
    tab = tab[tab.index('id="History"'):]
    assert "13912345678" not in tab and "139****5678" in tab
    # a clerk of the cadre's scope sees it; the page of a cadre outside its scope is 404
    assert "队长" in browser("clerk_town").get("/cadreview/show/%d" % c1).get_data(as_text=True)
    with database() as s:
        s.query(Cadre).filter_by(id=c1).update({"post": "team_member", "unit_id": ids(Unit, "二局")[0], "phone": "13812345678"})
        s.commit()


def test_history_obeys_the_scope_even_after_a_delete(browser):
    """A clerk sees the history of records of its scope only; a deleted
    record's history stays where the record was."""
    office = browser("office")
    t2, = ids(Town, "乙乡")
    assert office.post("/villageview/add", {"name": "乙史村", "town": str(t2), "poverty_status": "non_poor", "registered_poor": "1"}).status_code == 302
    pk, = ids(Village, "乙史村")
    office.post("/villageview/delete/%d" % pk, token_from="/villageview/list/")
    from villageaid import history, scope

    with database():
        town_clerk = scope.Viewer(user_id=1, towns=tuple(ids(Town, "甲镇")))
        other_clerk = scope.Viewer(user_id=1, towns=(t2,))
        assert history.entries(town_clerk, Village, pk) == []
        assert [row.action for row, _f in history.entries(other_clerk, Village, pk)] == ["delete", "create"]


def test_operation_log_is_the_offices_and_read_only(browser):
    office = browser("office")
    t1, = ids(Town, "甲镇")
    office.post("/villageview/add", {"name": "日志村", "town": str(t1), "poverty_status": "non_poor", "registered_poor": "1"})
    html = office.get("/changerecordview/list/").get_data(as_text=True)
    assert "日志村" in html and "新增" in html and "网页表单" in html
    with database() as s:
        row_id = s.query(ChangeRecord).filter_by(record_label="日志村").one().id
    assert "日志村" in office.get("/changerecordview/show/%d" % row_id).get_data(as_text=True)
    export = office.get("/changerecordview/export/").get_data(as_text=True)
    assert "日志村" in export
    for user in ("clerk_town", "inspector"):
        assert browser(user).get("/changerecordview/list/").status_code in (302, 403)
    # no way to change or remove history, not even for the admin
    admin = browser("admin")
    assert admin.get("/changerecordview/edit/%d" % row_id).status_code in (403, 404, 405)
    assert admin.post("/changerecordview/delete/%d" % row_id, token_from="/changerecordview/list/").status_code in (302, 403, 404, 405)
    assert admin.post("/changerecordview/action_post", {"action": "muldelete", "rowid": [str(row_id)]},
                      token_from="/changerecordview/list/").status_code in (403, 404)
    assert count(ChangeRecord, ChangeRecord.id == row_id) == 1
    with database() as s:
        s.query(Village).filter_by(name="日志村").delete()
        s.commit()
